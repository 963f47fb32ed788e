import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamFramer, type FrameEvent } from '../../../adapters/sip/standalone/stream-framer.js';

function message(i: number, body: string): Buffer {
  return Buffer.from(
    [
      'MESSAGE sip:+15551234567@example.com SIP/2.0',
      `Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-${i}`,
      `Call-ID: ${i}@x`,
      `CSeq: ${i} MESSAGE`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

function feed(framer: StreamFramer, stream: Buffer, cuts: number[]): FrameEvent[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const events: FrameEvent[] = [];
  let at = 0;
  for (const point of [...points, stream.length]) {
    events.push(...framer.push(stream.subarray(at, point)));
    at = point;
  }
  return events;
}

describe('StreamFramer', () => {
  describe('when messages arrive cut at arbitrary points', () => {
    it('should yield the same messages with exactly their bodies', () => {
      fc.assert(
        fc.property(fc.array(fc.string({ maxLength: 50 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (bodies, cuts) => {
          const stream = Buffer.concat(bodies.flatMap((b, i) => [Buffer.from('\r\n'), message(i, b)]));
          const events = feed(new StreamFramer(65_536), stream, cuts);
          expect(events.map((e) => (e.kind === 'message' ? e.body.toString() : e.kind))).toEqual(bodies);
        }),
      );
    });
  });

  describe('when a message cannot be framed', () => {
    it('should refuse a missing Content-Length with 400 and stop reading', () => {
      const framer = new StreamFramer(65_536);
      const events = framer.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n'));
      expect(events).toMatchObject([{ kind: 'refuse', status: 400 }]);
      expect(framer.push(message(1, 'x'))).toEqual([]);
    });

    it('should refuse a body over the limit with 413 before reading it', () => {
      const events = new StreamFramer(100).push(message(1, 'x'.repeat(101)).subarray(0, 200));
      expect(events).toMatchObject([{ kind: 'refuse', status: 413 }]);
    });

    it('should refuse a header section that never ends, one byte at a time, in linear time', () => {
      const framer = new StreamFramer(65_536);
      const started = process.hrtime.bigint();
      let events: FrameEvent[] = [];
      for (let i = 0; i < 20_000 && events.length === 0; i++) events = framer.push(Buffer.from('a'));
      expect(events).toMatchObject([{ kind: 'refuse', status: 513 }]);
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
    });
  });

  describe('when given arbitrary bytes', () => {
    it('should never throw', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 3_000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => void feed(new StreamFramer(1_000), Buffer.from(bytes), cuts)));
    });
  });
});
