import { describe, expect, it } from 'vitest';
import { expectState, type ImapSession } from '../../../adapters/imap/index.js';

describe('IMAP session state', () => {
  describe('when an operation runs in the wrong state', () => {
    it('throws GW_ERR_IMAP_STATE naming both states', () => {
      const session: ImapSession = { kind: 'backoff', attempt: 2, lastError: 'x' };
      expect(() => expectState(session, 'draining', 'drain')).toThrow(
        expect.objectContaining({ code: 'GW_ERR_IMAP_STATE', meta: { operation: 'drain', expected: 'draining', actual: 'backoff' } }),
      );
    });
  });

  it('narrows to the expected state', () => {
    const session: ImapSession = { kind: 'stopped' };
    expect(expectState(session, 'stopped', 'start')).toBe(session);
  });
});
