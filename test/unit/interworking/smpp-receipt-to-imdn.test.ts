import { describe, expect, it } from 'vitest';
import { RECEIPT_STATS, type ReceiptStat } from '../../../src/codecs/smpp-receipt.js';
import { SMPP_STAT_TO_IMDN, smppFailureReason } from '../../../src/interworking/smpp-receipt-to-imdn.js';

const ROWS: readonly [ReceiptStat, 'delivered' | 'failed' | undefined, 'stored' | undefined][] = [
  ['DELIVRD', 'delivered', undefined],
  ['UNDELIV', 'failed', undefined],
  ['EXPIRED', 'failed', undefined],
  ['REJECTD', 'failed', undefined],
  ['DELETED', 'failed', undefined],
  ['UNKNOWN', 'failed', undefined],
  ['SKIPPED', 'failed', undefined],
  ['ENROUTE', undefined, 'stored'],
  ['ACCEPTD', 'delivered', undefined],
  ['BUFFRED', undefined, 'stored'],
  ['SCHEDULED', undefined, 'stored'],
  ['ACKED', undefined, 'stored'],
];

describe('SMPP receipt stat → IMDN', () => {
  it('has a row for every stat the receipt codec knows', () => {
    expect(Object.keys(SMPP_STAT_TO_IMDN).sort()).toEqual([...RECEIPT_STATS].sort());
    expect(ROWS.map((r) => r[0]).sort()).toEqual([...RECEIPT_STATS].sort());
  });

  describe.each(ROWS)('when the stat is %s', (stat, delivery, processing) => {
    it(`maps to delivery ${String(delivery)} / processing ${String(processing)}`, () => {
      expect(SMPP_STAT_TO_IMDN[stat].delivery).toBe(delivery);
      expect(SMPP_STAT_TO_IMDN[stat].processing).toBe(processing);
      expect(SMPP_STAT_TO_IMDN[stat].text).not.toBe('');
    });
    it('names the stat in the failure reason', () => {
      expect(smppFailureReason({ stat })).toContain(`(${stat})`);
    });
  });

  describe('when building the failure reason', () => {
    it('explains a GSM network error from the TLV', () => {
      expect(smppFailureReason({ stat: 'UNDELIV', err: '027', networkErrorCode: 27, networkType: 3 })).toBe(
        'SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)',
      );
    });
    it('explains a decimal err: as a GSM error when no TLV came', () => {
      expect(smppFailureReason({ stat: 'UNDELIV', err: '001' })).toBe('SMS undeliverable (UNDELIV): unknown subscriber (network error 1)');
    });
    it('says nothing more for err:000', () => {
      expect(smppFailureReason({ stat: 'EXPIRED', err: '000' })).toBe('SMS validity period expired before delivery (EXPIRED)');
    });
    it('keeps a vendor err: it cannot read', () => {
      expect(smppFailureReason({ stat: 'REJECTD', err: 'X9' })).toBe('SMS rejected (REJECTD): err X9');
    });
    it('names a non-GSM network by type without decoding its code', () => {
      expect(smppFailureReason({ stat: 'UNDELIV', networkErrorCode: 7, networkType: 2 })).toBe('SMS undeliverable (UNDELIV): IS-95 error 7');
    });
    it('explains a submit refusal by command_status', () => {
      expect(smppFailureReason({ commandStatus: 0x0b })).toBe('SMSC refused the SMS: ESME_RINVDSTADR (0x0000000B): invalid destination address');
    });
    it('has nothing to say without a stat or status', () => {
      expect(smppFailureReason({})).toBeUndefined();
    });
  });
});
