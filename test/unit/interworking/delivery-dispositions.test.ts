import { describe, expect, it } from 'vitest';
import { DELIVERY_STATES, type DeliveryState } from '../../../src/domain/delivery-state.js';
import type { Channel, ImdnRequestToken } from '../../../src/domain/message.js';
import { applicableRules, DISPOSITION_RULES, dueNotifications, TOKENS_DUE_BEFORE_FINAL } from '../../../src/interworking/delivery-dispositions.js';
import { isFinal } from '../../../src/domain/delivery-state.js';

const ALL: readonly ImdnRequestToken[] = ['positive-delivery', 'negative-delivery', 'display', 'processing', 'interworking'];

function due(state: DeliveryState, channel: Channel, handedOff: boolean, requests: readonly ImdnRequestToken[] = ALL): string[] {
  return dueNotifications({ state, channel, handedOff, requests }).map((n) => `${n.type}/${n.status}`);
}

describe('delivery dispositions', () => {
  describe('row by row (everything requested)', () => {
    it('row 1: after hand-off an SMS is marked interworking legacy-sms', () => {
      for (const state of ['submitted', 'enroute', 'delivered', 'failed', 'expired', 'rejected'] as const) {
        expect(due(state, 'sms', true)).toContain('interworking/legacy-sms');
      }
      expect(due('submitted', 'email', true)).not.toContain('interworking/legacy-sms');
    });
    it('row 2: a failure before hand-off is interworking error', () => {
      for (const state of ['failed', 'rejected', 'cancelled'] as const) {
        expect(due(state, 'sms', false)).toContain('interworking/error');
        expect(due(state, 'email', false)).toContain('interworking/error');
      }
      expect(due('failed', 'sms', true)).not.toContain('interworking/error');
    });
    it('row 3: after hand-off SMS and email are processing processed', () => {
      expect(due('submitted', 'sms', true)).toContain('processing/processed');
      expect(due('submitted', 'email', true)).toContain('processing/processed');
      expect(due('submitted', 'sip', true)).not.toContain('processing/processed');
    });
    it('row 4: held by the far side is processing stored', () => {
      expect(due('enroute', 'sms', true)).toContain('processing/stored');
      expect(due('delivered', 'sms', true)).not.toContain('processing/stored');
    });
    it('row 5: a failure before hand-off is processing error', () => {
      expect(due('rejected', 'sms', false)).toContain('processing/error');
      expect(due('rejected', 'sms', true)).not.toContain('processing/error');
    });
    it('row 6: delivered is delivery delivered', () => {
      expect(due('delivered', 'sms', true)).toContain('delivery/delivered');
    });
    it('row 7: failed, expired, rejected and cancelled are delivery failed', () => {
      for (const state of ['failed', 'expired', 'rejected', 'cancelled'] as const) expect(due(state, 'sms', state === 'expired')).toContain('delivery/failed');
    });
    it('has exactly these seven rows', () => {
      expect(DISPOSITION_RULES).toHaveLength(7);
    });
  });

  describe('when the message left as SMS and was delivered', () => {
    it('sends interworking, processing, then delivered, in that order', () => {
      expect(due('delivered', 'sms', true)).toEqual(['interworking/legacy-sms', 'processing/processed', 'delivery/delivered']);
    });
  });

  describe('when nothing is decided yet', () => {
    it.each(['accepted', 'queued'] as const)('owes nothing in %s', (state) => {
      expect(due(state, 'sms', false)).toEqual([]);
    });
  });

  describe('when the sender asked only for positive-delivery', () => {
    it('gets delivered but nothing for a failure', () => {
      expect(due('delivered', 'sms', true, ['positive-delivery'])).toEqual(['delivery/delivered']);
      expect(due('failed', 'sms', true, ['positive-delivery'])).toEqual([]);
    });
  });

  describe('when the sender asked only for negative-delivery', () => {
    it('gets failed but nothing for a success', () => {
      expect(due('failed', 'sms', true, ['negative-delivery'])).toEqual(['delivery/failed']);
      expect(due('delivered', 'sms', true, ['negative-delivery'])).toEqual([]);
    });
  });

  describe('when the sender asked only for display', () => {
    it('never gets anything for SMS, in any state', () => {
      for (const state of DELIVERY_STATES) for (const handedOff of [true, false]) expect(due(state, 'sms', handedOff, ['display'])).toEqual([]);
    });
  });

  describe('when the sender asked for nothing', () => {
    it('gets nothing in any state', () => {
      for (const state of DELIVERY_STATES) expect(due(state, 'sms', true, [])).toEqual([]);
    });
  });

  describe('when only interworking was asked for', () => {
    it('gets legacy-sms at hand-off and error when the interworking failed', () => {
      expect(due('submitted', 'sms', true, ['interworking'])).toEqual(['interworking/legacy-sms']);
      expect(due('rejected', 'sms', false, ['interworking'])).toEqual(['interworking/error']);
      expect(due('submitted', 'email', true, ['interworking'])).toEqual([]);
    });
  });

  it('lists the applicable rows without looking at the request', () => {
    expect(applicableRules({ state: 'submitted', channel: 'sms', handedOff: true })).toHaveLength(2);
  });

  describe('when a message asked for none of TOKENS_DUE_BEFORE_FINAL', () => {
    it('owes nothing in any state before the final one, on any channel, handed off or not', () => {
      expect([...TOKENS_DUE_BEFORE_FINAL].sort()).toEqual(['interworking', 'processing']);
      const requests: ImdnRequestToken[] = ['positive-delivery', 'negative-delivery', 'display'];
      for (const state of DELIVERY_STATES.filter((s) => !isFinal(s))) {
        for (const channel of ['sms', 'email', 'sip'] as Channel[]) {
          for (const handedOff of [true, false]) expect(dueNotifications({ state, channel, handedOff, requests })).toEqual([]);
        }
      }
    });
  });
});
