import { describe, expect, it } from 'vitest';
import { DSN_ACTION_TO_IMDN, DSN_STATUS_DETAILS, dsnFailureReason } from '../../../src/interworking/dsn-to-imdn.js';

describe('DSN action → IMDN', () => {
  it.each([
    ['delivered', 'delivered', 'delivered', undefined],
    ['expanded', 'delivered', 'delivered', undefined],
    ['failed', 'failed', 'failed', undefined],
    ['delayed', undefined, undefined, 'stored'],
    ['relayed', undefined, undefined, 'processed'],
  ] as const)('maps %s to state %s, delivery %s, processing %s', (action, state, delivery, processing) => {
    const rule = DSN_ACTION_TO_IMDN[action];
    expect(rule.deliveryState).toBe(state);
    expect(rule.delivery).toBe(delivery);
    expect(rule.processing).toBe(processing);
  });

  it('has exactly the five RFC 3464 actions', () => {
    expect(Object.keys(DSN_ACTION_TO_IMDN).sort()).toEqual(['delayed', 'delivered', 'expanded', 'failed', 'relayed']);
  });

  describe('when building the failure reason', () => {
    it('gives Status, its meaning and the Diagnostic-Code', () => {
      expect(dsnFailureReason('5.1.1', 'smtp; 550 5.1.1 <bob@example.test> User unknown')).toBe(
        '5.1.1 permanent failure: bad destination mailbox address (smtp; 550 5.1.1 <bob@example.test> User unknown)',
      );
    });
    it('gives the class alone for an unlisted detail', () => {
      expect(dsnFailureReason('4.9.9')).toBe('4.9.9 persistent transient failure');
    });
    it('gives the raw status when nothing is known', () => {
      expect(dsnFailureReason('x')).toBe('x');
    });
    it.each([...DSN_STATUS_DETAILS.entries()])('explains X.%s', (subjectDetail, text) => {
      expect(dsnFailureReason(`5.${subjectDetail}`)).toBe(`5.${subjectDetail} permanent failure: ${text}`);
    });
  });
});
