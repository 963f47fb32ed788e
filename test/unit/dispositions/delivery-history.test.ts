import { describe, expect, it } from 'vitest';
import { finalAt, reachedAt, wasHandedOff } from '../../../src/dispositions/delivery-history.js';
import { delivery, event } from './fixtures.js';

describe('delivery history', () => {
  describe('when the delivery failed after being submitted', () => {
    it('was handed off', () => {
      const d = delivery({ state: 'failed' });
      expect(wasHandedOff(d, [event({ type: 'state', toState: 'submitted' })])).toBe(true);
    });
  });
  describe('when it was refused before any submit', () => {
    it('was not handed off', () => {
      expect(wasHandedOff(delivery({ state: 'rejected' }), [event({ type: 'state', toState: 'queued' })])).toBe(false);
    });
  });
  describe('when it is delivered', () => {
    it('was handed off whatever the timeline says', () => {
      expect(wasHandedOff(delivery({ state: 'delivered' }), [])).toBe(true);
    });
  });
  describe('when dating a final report', () => {
    const transition = new Date('2026-11-26T07:00:00Z');
    const far = new Date('2026-11-26T06:59:00Z');
    it('prefers the far side time', () => {
      expect(finalAt(delivery({ farSideAt: far }), [event({ type: 'state', toState: 'delivered', at: transition })])).toEqual(far);
    });
    it('falls back to when the report arrived (the transition), never now', () => {
      expect(finalAt(delivery(), [event({ type: 'state', toState: 'delivered', at: transition })])).toEqual(transition);
    });
    it('finds when a state was last entered', () => {
      expect(reachedAt(delivery(), [event({ type: 'state', toState: 'submitted', at: far })], 'submitted')).toEqual(far);
      expect(reachedAt(delivery(), [], 'submitted')).toBeUndefined();
    });
  });
});
