import { describe, expect, it } from 'vitest';
import { failureReason } from '../../../src/dispositions/failure-reason.js';
import { delivery, event } from './fixtures.js';

describe('failureReason', () => {
  describe('when an SMS receipt said UNDELIV with a GSM network error', () => {
    it('explains the stat and the error', () => {
      const d = delivery({ state: 'failed', errorCode: 'smpp:27', errorText: 'UNDELIV err 27 (part 1 of 1)' });
      const events = [event({ type: 'receipt', detail: { stat: 'UNDELIV', err: '027', errorCode: 27, networkType: 3 } })];
      expect(failureReason(d, events)).toEqual({ reason: 'SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)', code: 'smpp:27' });
    });
  });

  describe('when the receipt of another delivery failed', () => {
    it('is not used', () => {
      const d = delivery({ state: 'failed', errorText: 'UNDELIV err 1' });
      const events = [event({ type: 'receipt', deliveryId: 'd-2', detail: { stat: 'UNDELIV', err: '001' } })];
      expect(failureReason(d, events).reason).toBe('UNDELIV err 1');
    });
  });

  describe('when the SMSC refused the submit', () => {
    it('explains the command_status', () => {
      const d = delivery({ state: 'rejected', errorCode: 'smpp-status:0x0000000b', errorText: 'refused' });
      expect(failureReason(d, []).reason).toBe('SMSC refused the SMS: ESME_RINVDSTADR (0x0000000B): invalid destination address');
    });
  });

  describe('when a DSN failed the email', () => {
    it('explains Status with the Diagnostic-Code', () => {
      const d = delivery({ channel: 'email', targetUri: 'mailto:bob@example.test', state: 'failed', errorCode: '5.1.1', errorText: 'smtp; 550 5.1.1 User unknown' });
      expect(failureReason(d, []).reason).toBe('5.1.1 permanent failure: bad destination mailbox address (smtp; 550 5.1.1 User unknown)');
    });
  });

  describe('when nothing is known', () => {
    it('names the state, or the operator for a cancel', () => {
      expect(failureReason(delivery({ state: 'expired' }), []).reason).toBe('message expired');
      expect(failureReason(delivery({ state: 'cancelled' }), []).reason).toBe('cancelled by the gateway operator');
    });
  });
});
