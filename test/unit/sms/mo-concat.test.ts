import { describe, expect, it } from 'vitest';
import { planSms } from '../../../src/codecs/sms-segments.js';
import { MO_GAP_MARKER, assembleMoText, moGroupKey, splitMo } from '../../../src/sms/mo-concat.js';

function partsOf(text: string, segmentation: 'udh8' | 'udh16' | 'sar') {
  return planSms(text, { segmentation, reference: 0x1234 }).parts.map((p) =>
    splitMo({
      esmClass: p.esmClass,
      shortMessage: p.shortMessage,
      sar: p.tlvs?.sarMsgRefNum === undefined ? undefined : { ref: p.tlvs.sarMsgRefNum, total: p.tlvs.sarTotalSegments ?? 0, seq: p.tlvs.sarSegmentSeqnum ?? 0 },
    }),
  );
}

describe('splitMo', () => {
  for (const segmentation of ['udh8', 'udh16', 'sar'] as const) {
    it(`reads ${segmentation} concatenation and strips the header`, () => {
      const split = partsOf('z'.repeat(200), segmentation);
      expect(split.map((s) => s.concat?.seq)).toEqual([1, 2]);
      expect(split[0]?.concat).toMatchObject({ total: 2, kind: segmentation, ref: segmentation === 'udh8' ? 0x34 : 0x1234 });
      expect(Buffer.concat(split.map((s) => s.body)).toString('latin1')).toBe('z'.repeat(200));
    });
  }

  it('treats a message without UDHI or SAR as a single part', () => {
    expect(splitMo({ esmClass: 0, shortMessage: Buffer.from('hi') })).toEqual({ body: Buffer.from('hi') });
  });

  it('keys parts by source, destination, reference and total', () => {
    const [first] = partsOf('z'.repeat(200), 'udh8');
    expect(moGroupKey('+1', '+2', first?.concat ?? { ref: 0, total: 0, seq: 0, kind: 'udh8' })).toBe('+1|+2|udh8:52|2');
  });
});

describe('assembleMoText', () => {
  const text = `${'a'.repeat(152)}€${'b'.repeat(150)}${'c'.repeat(150)}`;
  const parts = planSms(text, { reference: 9 }).parts.map((p) => ({ seq: p.seq, dataCoding: p.dataCoding, body: p.shortMessage.subarray(6) }));

  it('joins parts in seq order whatever order they came in', () => {
    expect(assembleMoText([...parts].reverse(), parts.length)).toEqual({ text, missing: [] });
  });

  it('ignores a re-delivered copy of a part', () => {
    expect(assembleMoText([...parts, ...parts], parts.length).text).toBe(text);
  });

  it('marks each run of missing parts once', () => {
    const [p1, , p3] = parts;
    const out = assembleMoText([p1, p3].filter((p) => p !== undefined), 5);
    expect(out.missing).toEqual([2, 4, 5]);
    expect(out.text).toBe(`${'a'.repeat(152)}${MO_GAP_MARKER}${planSms(text, { reference: 9 }).parts[2]?.text ?? ''}${MO_GAP_MARKER}`);
  });

  it('decodes UCS-2 surrogate pairs split across parts', () => {
    const emoji = `${'x'.repeat(66)}👋 and more`;
    const ucs = planSms(emoji, { reference: 3 }).parts.map((p) => ({ seq: p.seq, dataCoding: p.dataCoding, body: p.shortMessage.subarray(6) }));
    expect(assembleMoText(ucs, ucs.length).text).toBe(emoji);
  });
});
