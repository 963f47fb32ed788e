import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MESSAGE_STATE_STATS,
  RECEIPT_OUTCOME,
  RECEIPT_STATS,
  normaliseMessageId,
  parseDeliveryReceipt,
  parseReceiptFields,
  parseReceiptStat,
  parseReceiptText,
  receiptFromTlvs,
  statFromMessageState,
  type DeliveryReceipt,
} from '../../../src/codecs/smpp-receipt.js';
import { isHeraldError } from '../../../src/errors.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/smpp-receipt/', import.meta.url));

function fixtures(kind: 'good' | 'bad'): string[] {
  return readdirSync(`${FIXTURES}${kind}`)
    .filter((name) => name.endsWith('.txt'))
    .map((name) => name.slice(0, -'.txt'.length))
    .sort();
}

function thrownCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isHeraldError(error) ? error.code : 'not a HeraldError';
  }
}

const STANDARD = 'id:123 sub:001 dlvrd:001 submit date:2611260618 done date:2611260618 stat:DELIVRD err:000 Text:Hello';

describe('smpp-receipt', () => {
  describe('when reading the fixtures in good/', () => {
    it.each(fixtures('good'))('reads %s', (name) => {
      const raw = readFileSync(`${FIXTURES}good/${name}.txt`);
      const expected = JSON.parse(readFileSync(`${FIXTURES}good/${name}.expected.json`, 'utf8')) as Partial<DeliveryReceipt>;
      expect(parseReceiptText(raw)).toMatchObject(expected);
    });
  });

  describe('when reading the fixtures in bad/', () => {
    it.each(fixtures('bad'))('refuses %s with GW_ERR_SMPP_RECEIPT_MALFORMED', (name) => {
      const raw = readFileSync(`${FIXTURES}bad/${name}.txt`);
      expect(thrownCode(() => parseReceiptText(raw))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
    });
  });

  describe('when the text comes as a string or as octets', () => {
    it('reads both the same, octets as ISO-8859-1', () => {
      expect(parseReceiptText(STANDARD)).toEqual(parseReceiptText(Buffer.from(STANDARD, 'latin1')));
      expect(parseReceiptText(Buffer.from('id:1 stat:DELIVRD text:caf\xe9', 'latin1')).text).toBe('café');
    });

    it('keeps the unrecognised stat spelling for the error', () => {
      try {
        parseReceiptText('id:1 stat:WHATEVER');
        expect.unreachable();
      } catch (error) {
        expect(isHeraldError(error, 'GW_ERR_SMPP_RECEIPT_MALFORMED')).toBe(true);
        if (isHeraldError(error)) expect(error.meta).toMatchObject({ field: 'stat', value: 'WHATEVER' });
      }
      expect(parseReceiptFields('id:1 stat:WHATEVER')).toEqual({ id: '1', rawStat: 'WHATEVER' });
    });
  });

  describe('stats', () => {
    it('accepts every 7-letter stat in any case', () => {
      for (const stat of RECEIPT_STATS) {
        expect(parseReceiptStat(stat)).toBe(stat);
        expect(parseReceiptStat(stat.toLowerCase())).toBe(stat);
        expect(parseReceiptText(`id:1 stat:${stat}`).outcome).toBe(RECEIPT_OUTCOME[stat]);
      }
    });

    it('classifies outcomes: DELIVRD and ACCEPTD (final in SMPP 3.4) delivered, final failures failed, the rest pending', () => {
      expect(RECEIPT_OUTCOME.DELIVRD).toBe('delivered');
      expect(RECEIPT_OUTCOME.ACCEPTD).toBe('delivered');
      for (const stat of ['UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED', 'UNKNOWN'] as const) expect(RECEIPT_OUTCOME[stat]).toBe('failed');
      for (const stat of ['ENROUTE', 'ACKED', 'BUFFRED', 'SCHEDULED'] as const) expect(RECEIPT_OUTCOME[stat]).toBe('pending');
    });

    it('maps message_state 0–9 and refuses anything else', () => {
      expect(MESSAGE_STATE_STATS).toHaveLength(10);
      expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(statFromMessageState)).toEqual([
        'SCHEDULED',
        'ENROUTE',
        'DELIVRD',
        'EXPIRED',
        'DELETED',
        'UNDELIV',
        'ACCEPTD',
        'UNKNOWN',
        'REJECTD',
        'SKIPPED',
      ]);
      expect(thrownCode(() => statFromMessageState(10))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
      expect(thrownCode(() => statFromMessageState(-1))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
      expect(thrownCode(() => statFromMessageState(1.5))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
    });
  });

  describe('receiptFromTlvs', () => {
    it('reads receipted_message_id, message_state and network_error_code', () => {
      expect(
        receiptFromTlvs({ receiptedMessageId: Buffer.from('ABC\0'), messageState: 5, networkErrorCode: Buffer.from([3, 0x01, 0x02]) }),
      ).toEqual({ id: 'ABC', stat: 'UNDELIV', networkError: { networkType: 3, code: 0x0102 } });
    });

    it('refuses a network_error_code that is not 3 octets', () => {
      expect(thrownCode(() => receiptFromTlvs({ networkErrorCode: Buffer.from([3, 1]) }))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
    });
  });

  describe('parseDeliveryReceipt', () => {
    describe('when TLVs and text agree', () => {
      it('takes id and stat from the TLVs and the rest from the text', () => {
        const receipt = parseDeliveryReceipt({
          tlvs: { receiptedMessageId: '123', messageState: 2, networkErrorCode: Buffer.from([3, 0, 0]) },
          text: STANDARD,
        });
        expect(receipt).toMatchObject({ id: '123', stat: 'DELIVRD', outcome: 'delivered', text: 'Hello', source: 'tlv', errorCode: 0, anomalies: [] });
      });
    });

    describe('when they disagree', () => {
      it('believes the TLVs and records the anomaly', () => {
        const receipt = parseDeliveryReceipt({ tlvs: { receiptedMessageId: '7B', messageState: 5 }, text: STANDARD });
        expect(receipt).toMatchObject({ id: '7B', stat: 'UNDELIV', outcome: 'failed' });
        expect(receipt.anomalies).toHaveLength(2);
      });
    });

    describe('when only one source has each field', () => {
      it('fills the id from the text and the stat from the TLV', () => {
        const receipt = parseDeliveryReceipt({ tlvs: { messageState: 3 }, text: 'id:9 stat:DELIVRD err:027' });
        expect(receipt).toMatchObject({ id: '9', stat: 'EXPIRED', source: 'tlv+text', err: '027', errorCode: 27 });
      });

      it('reads a TLV-only receipt with an empty text', () => {
        expect(parseDeliveryReceipt({ tlvs: { receiptedMessageId: '1', messageState: 8 }, text: Buffer.alloc(0) })).toMatchObject({
          id: '1',
          stat: 'REJECTD',
          source: 'tlv',
        });
      });

      it('prefers network_error_code over err for errorCode', () => {
        const receipt = parseDeliveryReceipt({ tlvs: { networkErrorCode: Buffer.from([3, 0, 11]) }, text: 'id:9 stat:UNDELIV err:001' });
        expect(receipt.errorCode).toBe(11);
        expect(receipt.err).toBe('001');
      });
    });

    describe('when one source is malformed', () => {
      it('tolerates unreadable text when the TLVs are complete', () => {
        const receipt = parseDeliveryReceipt({ tlvs: { receiptedMessageId: '1', messageState: 2 }, text: 'garbage' });
        expect(receipt).toMatchObject({ id: '1', stat: 'DELIVRD' });
        expect(receipt.anomalies).toHaveLength(1);
      });

      it('tolerates a bad TLV when the text supplies the field', () => {
        const receipt = parseDeliveryReceipt({ tlvs: { receiptedMessageId: '1', messageState: 42 }, text: 'id:1 stat:DELIVRD' });
        expect(receipt).toMatchObject({ id: '1', stat: 'DELIVRD', source: 'tlv+text' });
        expect(receipt.anomalies.length).toBeGreaterThan(0);
      });

      it('throws when nothing supplies the stat', () => {
        expect(thrownCode(() => parseDeliveryReceipt({ tlvs: { receiptedMessageId: '1', messageState: 42 }, text: 'id:1' }))).toBe(
          'GW_ERR_SMPP_RECEIPT_MALFORMED',
        );
        expect(thrownCode(() => parseDeliveryReceipt({}))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
      });
    });
  });

  describe('normaliseMessageId', () => {
    it('leaves the id as it is apart from NUL padding and spaces', () => {
      expect(normaliseMessageId(' 0aB1\0', 'as-is')).toBe('0aB1');
    });

    it('converts hex to decimal and back', () => {
      expect(normaliseMessageId('1A2B', 'hex-to-decimal')).toBe('6699');
      expect(normaliseMessageId('0x001a2b', 'hex-to-decimal')).toBe('6699');
      expect(normaliseMessageId('6699', 'decimal-to-hex')).toBe('1a2b');
      expect(normaliseMessageId('FFFFFFFFFFFFFFFFFFFF', 'hex-to-decimal')).toBe('1208925819614629174706175');
    });

    it('lower-cases and strips leading zeros, alone or combined in order', () => {
      expect(normaliseMessageId('ABC', 'lowercase')).toBe('abc');
      expect(normaliseMessageId('000123', 'strip-leading-zeros')).toBe('123');
      expect(normaliseMessageId('0000', 'strip-leading-zeros')).toBe('0');
      expect(normaliseMessageId('000ABC', ['strip-leading-zeros', 'lowercase'])).toBe('abc');
    });

    it('matches a hex resp id with its decimal receipt id', () => {
      const resp = '10000001';
      const receipt = String(0x10000001);
      expect(normaliseMessageId(resp, 'hex-to-decimal')).toBe(normaliseMessageId(receipt, 'as-is'));
    });

    it('throws GW_ERR_SMPP_RECEIPT_MALFORMED for an id not in the expected base, or empty', () => {
      expect(thrownCode(() => normaliseMessageId('xyz', 'hex-to-decimal'))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
      expect(thrownCode(() => normaliseMessageId('1a', 'decimal-to-hex'))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
      expect(thrownCode(() => normaliseMessageId('', 'as-is'))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
      expect(thrownCode(() => normaliseMessageId('1'.repeat(65), 'as-is'))).toBe('GW_ERR_SMPP_RECEIPT_MALFORMED');
    });

    it('round-trips decimal → hex → decimal for any non-negative integer', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: (1n << 200n) - 1n }), (value) => {
          const decimal = value.toString();
          expect(normaliseMessageId(normaliseMessageId(decimal, 'decimal-to-hex'), 'hex-to-decimal')).toBe(decimal);
        }),
      );
    });
  });

  describe('properties', () => {
    const receiptish = fc
      .array(
        fc.oneof(
          fc.constantFrom('id:', 'sub:', 'dlvrd:', 'submit date:', 'done date:', 'stat:', 'err:', 'text:', 'Text:', ' ', '\0', 'DELIVRD', '001'),
          fc.string({ unit: 'binary', maxLength: 20 }),
        ),
        { maxLength: 30 },
      )
      .map((pieces) => pieces.join(''));

    it('returns a receipt or throws a HeraldError for any text, never anything else', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), receiptish), (text) => {
          const code = thrownCode(() => parseReceiptText(text));
          expect(code === undefined || code === 'GW_ERR_SMPP_RECEIPT_MALFORMED').toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it('returns a receipt or throws a HeraldError for any octets and TLVs', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300 }),
          fc.option(fc.string({ maxLength: 70 }), { nil: undefined }),
          fc.option(fc.integer({ min: -2, max: 12 }), { nil: undefined }),
          fc.option(fc.uint8Array({ maxLength: 5 }), { nil: undefined }),
          (text, receiptedMessageId, messageState, networkErrorCode) => {
            const tlvs = {
              ...(receiptedMessageId === undefined ? {} : { receiptedMessageId }),
              ...(messageState === undefined ? {} : { messageState }),
              ...(networkErrorCode === undefined ? {} : { networkErrorCode }),
            };
            const code = thrownCode(() => parseDeliveryReceipt({ tlvs, text }));
            expect(code === undefined || code === 'GW_ERR_SMPP_RECEIPT_MALFORMED').toBe(true);
          },
        ),
        { numRuns: 500 },
      );
    });

    it('reads back any well-formed receipt it is given, whatever the key order', () => {
      const idArb = fc.stringMatching(/^[0-9A-Za-z-]{1,40}$/);
      fc.assert(
        fc.property(idArb, fc.constantFrom(...RECEIPT_STATS), fc.string({ maxLength: 20 }), fc.boolean(), (id, stat, text, shuffle) => {
          const fields = [`id:${id}`, 'sub:001', 'dlvrd:001', 'submit date:2611260618', 'done date:2611260618', `stat:${stat}`, 'err:000'];
          if (shuffle) fields.reverse();
          const receipt = parseReceiptText(`${fields.join(' ')} text:${text}`);
          expect(receipt).toMatchObject({ id, stat, text: text.replace(/\0+$/, '') });
        }),
      );
    });

    it('normalises or throws a HeraldError for any id and mode', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.array(fc.constantFrom('as-is', 'hex-to-decimal', 'decimal-to-hex', 'lowercase', 'strip-leading-zeros' as const), { maxLength: 3 }),
          (id, modes) => {
            const code = thrownCode(() => normaliseMessageId(id, modes));
            expect(code === undefined || code === 'GW_ERR_SMPP_RECEIPT_MALFORMED').toBe(true);
          },
        ),
      );
    });
  });
});
