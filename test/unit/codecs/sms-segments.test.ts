import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GSM_ESCAPE, GSM_EXTENSION_CHARS } from '../../../src/codecs/gsm0338.js';
import {
  SMS_CAPACITY,
  chooseSmsEncoding,
  decodeSmsText,
  measureSms,
  parseUdh,
  planSms,
  udhLength,
  type SmsPart,
  type SmsPlan,
  type SmsSegmentation,
} from '../../../src/codecs/sms-segments.js';
import { isHeraldError } from '../../../src/errors.js';

const SEGMENTATIONS: readonly SmsSegmentation[] = ['udh8', 'udh16', 'sar', 'payload'];
const GSM_SAMPLE = 'abcdefghijklmnopqrstuvwxyz ABC0123456789@£$¥èéΔ_!?.,\n' + GSM_EXTENSION_CHARS;

/** The encoded text a part carries, header removed. */
function bodyOf(part: SmsPart): Buffer {
  if (part.tlvs?.messagePayload !== undefined) return part.tlvs.messagePayload;
  return (part.esmClass & 0x40) !== 0 ? part.shortMessage.subarray(udhLength(part.shortMessage)) : part.shortMessage;
}

/** What a receiver does: concatenate the bodies in seq order, then decode. */
function reassemble(plan: SmsPlan): string {
  const ordered = [...plan.parts].sort((a, b) => a.seq - b.seq);
  return decodeSmsText(Buffer.concat(ordered.map(bodyOf)), plan.dataCoding);
}

function thrownCode(run: () => unknown): { code: string | undefined; meta: Readonly<Record<string, unknown>> } {
  try {
    run();
  } catch (error) {
    if (isHeraldError(error)) return { code: error.code, meta: error.meta };
    return { code: 'not a HeraldError', meta: {} };
  }
  return { code: undefined, meta: {} };
}

const gsmText = fc.array(fc.constantFrom(...GSM_SAMPLE), { maxLength: 1200, size: 'max' }).map((chars) => chars.join(''));
const unicodeText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 600, size: 'max' }),
  fc.string({ unit: 'grapheme', maxLength: 300, size: 'max' }),
  fc.array(fc.constantFrom('a', 'я', '😀', '€', '👍🏽', 'é', 'ç', '中'), { maxLength: 700, size: 'max' }).map((chars) => chars.join('')),
);
const anyText = fc.oneof(gsmText, unicodeText);

describe('sms-segments', () => {
  describe('when choosing an encoding', () => {
    it('uses GSM 03.38 when every character fits, even extension ones', () => {
      expect(chooseSmsEncoding('Price: 5€ [ok]')).toBe('gsm7');
      expect(planSms('hi').dataCoding).toBe(0);
    });

    it('falls back to UCS-2 for anything else', () => {
      expect(chooseSmsEncoding('ça va')).toBe('ucs2');
      expect(planSms('😀').dataCoding).toBe(8);
    });

    it('uses Latin-1 only when allowed and it fits', () => {
      expect(chooseSmsEncoding('ça va', true)).toBe('latin1');
      expect(planSms('ça va', { allowLatin1: true }).dataCoding).toBe(3);
      expect(chooseSmsEncoding('ça va €', true)).toBe('ucs2');
    });

    it('honours a forced encoding and refuses one that cannot carry the text', () => {
      expect(planSms('hello', { encoding: 'ucs2' }).dataCoding).toBe(8);
      expect(thrownCode(() => planSms('😀', { encoding: 'gsm7' })).code).toBe('GW_ERR_GSM_UNENCODABLE');
      expect(thrownCode(() => planSms('😀', { encoding: 'latin1' })).code).toBe('GW_ERR_GSM_UNENCODABLE');
    });
  });

  describe('when the text fits one SMS', () => {
    it('keeps 160 GSM-7 characters in one part without UDH', () => {
      const plan = planSms('a'.repeat(160));
      expect(plan.parts).toHaveLength(1);
      const [part] = plan.parts;
      expect(part).toMatchObject({ seq: 1, total: 1, ref: 0, esmClass: 0, units: 160 });
      expect(part?.shortMessage).toHaveLength(160);
      expect(part?.tlvs).toBeUndefined();
    });

    it('keeps 70 UCS-2 units in one part', () => {
      const plan = planSms('я'.repeat(70));
      expect(plan.parts).toHaveLength(1);
      expect(plan.parts[0]?.shortMessage).toHaveLength(140);
    });

    it('counts extension characters twice: 80 € fit, 81 do not', () => {
      expect(planSms('€'.repeat(80)).parts).toHaveLength(1);
      expect(planSms('€'.repeat(81)).parts).toHaveLength(2);
    });

    it('plans the empty text as one empty part', () => {
      expect(planSms('').parts).toEqual([expect.objectContaining({ seq: 1, total: 1, shortMessage: Buffer.alloc(0) })]);
    });
  });

  describe('when the text needs several parts', () => {
    it('splits 161 GSM-7 characters into 153 + 8 with an 8-bit UDH', () => {
      const plan = planSms('a'.repeat(161), { reference: 0x1ab });
      expect(plan.parts.map((part) => part.units)).toEqual([153, 8]);
      const [first, second] = plan.parts;
      expect([...(first?.shortMessage.subarray(0, 6) ?? [])]).toEqual([0x05, 0x00, 0x03, 0xab, 2, 1]);
      expect([...(second?.shortMessage.subarray(0, 6) ?? [])]).toEqual([0x05, 0x00, 0x03, 0xab, 2, 2]);
      expect(first?.esmClass).toBe(0x40);
      expect(first?.shortMessage).toHaveLength(6 + 153);
      expect(reassemble(plan)).toBe('a'.repeat(161));
    });

    it('splits 71 UCS-2 units into 67 + 4', () => {
      const plan = planSms('я'.repeat(71));
      expect(plan.parts.map((part) => part.units)).toEqual([67, 4]);
      expect(plan.parts[0]?.shortMessage).toHaveLength(6 + 134);
    });

    it('moves an extension character at the 153rd septet whole into the next part', () => {
      const text = `${'a'.repeat(152)}€${'b'.repeat(20)}`;
      const plan = planSms(text);
      expect(plan.parts.map((part) => part.text)).toEqual(['a'.repeat(152), `€${'b'.repeat(20)}`]);
      expect(plan.parts[0]?.units).toBe(152);
      const firstBody = bodyOf(plan.parts[0] as SmsPart);
      expect(firstBody[firstBody.length - 1]).not.toBe(GSM_ESCAPE);
      expect(reassemble(plan)).toBe(text);
    });

    it('keeps an extension character that ends exactly on septet 153', () => {
      const text = `${'a'.repeat(151)}€${'b'.repeat(20)}`;
      expect(planSms(text).parts.map((part) => part.units)).toEqual([153, 20]);
    });

    it('never splits an emoji surrogate pair at the 67th unit', () => {
      const text = `${'я'.repeat(66)}😀${'я'.repeat(10)}`;
      const plan = planSms(text);
      expect(plan.parts.map((part) => part.text)).toEqual(['я'.repeat(66), `😀${'я'.repeat(10)}`]);
      expect(reassemble(plan)).toBe(text);
    });

    it('plans a 5-part GSM-7 message at 765 characters and 6 parts at 766', () => {
      const five = planSms('x'.repeat(765), { reference: 7 });
      expect(five.parts).toHaveLength(5);
      expect(five.parts.map((part) => [part.seq, part.total, part.ref])).toEqual([
        [1, 5, 7],
        [2, 5, 7],
        [3, 5, 7],
        [4, 5, 7],
        [5, 5, 7],
      ]);
      expect(planSms('x'.repeat(766)).parts).toHaveLength(6);
    });

    it('uses 152 / 66 per part and a 16-bit reference with udh16', () => {
      const plan = planSms('a'.repeat(161), { segmentation: 'udh16', reference: 0x1234 });
      expect(plan.parts.map((part) => part.units)).toEqual([152, 9]);
      expect([...(plan.parts[1]?.shortMessage.subarray(0, 7) ?? [])]).toEqual([0x06, 0x08, 0x04, 0x12, 0x34, 2, 2]);
      expect(planSms('я'.repeat(71), { segmentation: 'udh16' }).parts.map((part) => part.units)).toEqual([66, 5]);
    });

    it('puts SAR TLVs on udh8-sized parts without UDH', () => {
      const plan = planSms('a'.repeat(161), { segmentation: 'sar', reference: 0x1234 });
      expect(plan.parts.map((part) => part.units)).toEqual([153, 8]);
      expect(plan.parts[1]).toMatchObject({
        esmClass: 0,
        tlvs: { sarMsgRefNum: 0x1234, sarTotalSegments: 2, sarSegmentSeqnum: 2 },
      });
      expect(plan.parts[1]?.shortMessage).toEqual(Buffer.from('aaaaaaaa', 'latin1'));
    });

    it('puts the whole text in one message_payload with payload', () => {
      const text = 'z'.repeat(500);
      const plan = planSms(text, { segmentation: 'payload' });
      expect(plan.parts).toHaveLength(1);
      expect(plan.parts[0]?.shortMessage).toHaveLength(0);
      expect(plan.parts[0]?.tlvs?.messagePayload).toHaveLength(500);
      expect(reassemble(plan)).toBe(text);
    });

    it('derives a stable reference from the text when none is given', () => {
      const text = 'q'.repeat(400);
      expect(planSms(text).parts[0]?.ref).toBe(planSms(text).parts[0]?.ref);
      expect(planSms(text, { reference: 0x1ff }).parts[0]?.ref).toBe(0xff);
    });
  });

  describe('when a maximum number of parts is set', () => {
    it('throws GW_ERR_CONTENT_TOO_LARGE with the limit and the count', () => {
      const thrown = thrownCode(() => planSms('a'.repeat(153 * 3 + 1), { maxParts: 3 }));
      expect(thrown.code).toBe('GW_ERR_CONTENT_TOO_LARGE');
      expect(thrown.meta).toEqual({ maxParts: 3, parts: 4 });
      expect(planSms('a'.repeat(153 * 3), { maxParts: 3 }).parts).toHaveLength(3);
    });

    it('counts payload messages as the parts the SMSC will make', () => {
      expect(thrownCode(() => planSms('a'.repeat(400), { segmentation: 'payload', maxParts: 2 })).meta).toEqual({ maxParts: 2, parts: 3 });
      expect(measureSms('a'.repeat(400), { segmentation: 'payload' })).toEqual({ encoding: 'gsm7', units: 400, parts: 3 });
    });

    it('never exceeds 255 parts and refuses a nonsensical limit', () => {
      expect(thrownCode(() => planSms('a'.repeat(153 * 255 + 1))).meta).toEqual({ maxParts: 255, parts: 256 });
      expect(thrownCode(() => planSms('a', { maxParts: 0 })).code).toBe('GW_ERR_CONFIG_INVALID');
    });
  });

  describe('properties', () => {
    it('every plan reassembles to the original text', () => {
      fc.assert(
        fc.property(anyText, fc.constantFrom(...SEGMENTATIONS), fc.boolean(), (text, segmentation, allowLatin1) => {
          const plan = planSms(text, { segmentation, allowLatin1 });
          expect(reassemble(plan)).toBe(text);
          expect(plan.parts.map((part) => part.text).join('')).toBe(text);
          for (const part of plan.parts) expect(decodeSmsText(bodyOf(part), part.dataCoding)).toBe(part.text);
        }),
        { numRuns: 300 },
      );
    });

    it('no part exceeds its capacity, in units and on the air interface', () => {
      fc.assert(
        fc.property(anyText, fc.constantFrom<SmsSegmentation>('udh8', 'udh16', 'sar'), (text, segmentation) => {
          const plan = planSms(text, { segmentation });
          const capacity = SMS_CAPACITY[plan.encoding];
          for (const part of plan.parts) {
            const limit = plan.parts.length === 1 ? capacity.single : segmentation === 'udh16' ? capacity.udh16 : capacity.udh8;
            expect(part.units).toBeLessThanOrEqual(limit);
            const header = (part.esmClass & 0x40) !== 0 ? udhLength(part.shortMessage) : 0;
            const body = part.shortMessage.length - header;
            // 140 octets = 1120 bits; GSM septets pack at 7 bits after a septet-aligned UDH.
            const bits = plan.encoding === 'gsm7' ? Math.ceil((header * 8) / 7) * 7 + body * 7 : (header + body) * 8;
            expect(bits).toBeLessThanOrEqual(1120);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('never splits an extension character or a surrogate pair', () => {
      fc.assert(
        fc.property(anyText, fc.constantFrom<SmsSegmentation>('udh8', 'udh16', 'sar'), (text, segmentation) => {
          const plan = planSms(text, { segmentation });
          plan.parts.forEach((part, index) => {
            const body = bodyOf(part);
            if (plan.encoding === 'gsm7') expect(body[body.length - 1]).not.toBe(GSM_ESCAPE);
            const next = plan.parts[index + 1];
            if (next === undefined) return;
            const last = part.text.charCodeAt(part.text.length - 1);
            const first = next.text.charCodeAt(0);
            expect(last >= 0xd800 && last <= 0xdbff && first >= 0xdc00 && first <= 0xdfff).toBe(false);
          });
        }),
        { numRuns: 300 },
      );
    });

    it('numbers parts 1..total under one reference, parseable from their UDH', () => {
      fc.assert(
        fc.property(anyText, fc.constantFrom<SmsSegmentation>('udh8', 'udh16'), fc.integer({ min: 0, max: 0xffff }), (text, segmentation, reference) => {
          const plan = planSms(text, { segmentation, reference });
          if (plan.parts.length === 1) return;
          plan.parts.forEach((part, index) => {
            expect(parseUdh(part.shortMessage)).toEqual({
              ref: segmentation === 'udh8' ? reference & 0xff : reference,
              total: plan.parts.length,
              seq: index + 1,
              udhLength: segmentation === 'udh8' ? 6 : 7,
              referenceBits: segmentation === 'udh8' ? 8 : 16,
            });
          });
        }),
        { numRuns: 200 },
      );
    });

    it('measureSms agrees with planSms on the part count', () => {
      fc.assert(
        fc.property(anyText, fc.constantFrom(...SEGMENTATIONS), (text, segmentation) => {
          const measured = measureSms(text, { segmentation });
          const plan = planSms(text, { segmentation });
          expect(measured.encoding).toBe(plan.encoding);
          if (segmentation !== 'payload') expect(measured.parts).toBe(plan.parts.length);
        }),
      );
    });
  });

  describe('parseUdh', () => {
    it('reads an 8-bit and a 16-bit concatenation IE', () => {
      expect(parseUdh(Buffer.from([0x05, 0x00, 0x03, 0x2a, 3, 2, 0x41]))).toEqual({ ref: 0x2a, total: 3, seq: 2, udhLength: 6, referenceBits: 8 });
      expect(parseUdh(Buffer.from([0x06, 0x08, 0x04, 0xbe, 0xef, 2, 1]))).toEqual({ ref: 0xbeef, total: 2, seq: 1, udhLength: 7, referenceBits: 16 });
    });

    it('finds the concatenation IE after another IE (port addressing)', () => {
      const udh = Buffer.from([0x0b, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, 0x01, 2, 1, 0x41]);
      expect(parseUdh(udh)).toEqual({ ref: 1, total: 2, seq: 1, udhLength: 12, referenceBits: 8 });
    });

    it('returns undefined for a truncated header, no concatenation IE, or an invalid one', () => {
      expect(parseUdh(Buffer.from([0x05, 0x00, 0x03, 0x2a]))).toBeUndefined();
      expect(parseUdh(Buffer.from([0x05, 0x00, 0x05, 0x2a, 3, 2]))).toBeUndefined();
      expect(parseUdh(Buffer.from([0x04, 0x01, 0x02, 0x00, 0x00]))).toBeUndefined();
      expect(parseUdh(Buffer.from([0x05, 0x00, 0x03, 0x2a, 0, 0]))).toBeUndefined();
      expect(parseUdh(Buffer.from([0x05, 0x00, 0x03, 0x2a, 2, 3]))).toBeUndefined();
      expect(parseUdh(Buffer.alloc(0))).toBeUndefined();
    });

    it('never throws on arbitrary octets', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 160 }), (bytes) => {
          const info = parseUdh(bytes);
          if (info !== undefined) {
            expect(info.seq).toBeGreaterThanOrEqual(1);
            expect(info.seq).toBeLessThanOrEqual(info.total);
            expect(info.udhLength).toBeLessThanOrEqual(bytes.length);
          }
        }),
      );
    });
  });

  describe('decodeSmsText', () => {
    it('reads each data_coding Herald meets', () => {
      expect(decodeSmsText(Buffer.from([0x1b, 0x65]), 0)).toBe('€');
      expect(decodeSmsText(Buffer.from('Hi', 'latin1'), 1)).toBe('Hi');
      expect(decodeSmsText(Buffer.from([0xe7]), 3)).toBe('ç');
      expect(decodeSmsText(Buffer.from([0x00, 0xe7]), 8)).toBe('ç');
      expect(decodeSmsText(Buffer.from([0x00]), 0xf1)).toBe('@');
      expect(decodeSmsText(Buffer.from([0xe7]), 0xf4)).toBe('ç');
    });

    it('throws GW_ERR_CONTENT_CHARSET for binary and unknown codings', () => {
      expect(thrownCode(() => decodeSmsText(Buffer.from([1]), 4))).toEqual({ code: 'GW_ERR_CONTENT_CHARSET', meta: { dataCoding: 4 } });
      expect(thrownCode(() => decodeSmsText(Buffer.from([1]), 2)).code).toBe('GW_ERR_CONTENT_CHARSET');
    });
  });
});
