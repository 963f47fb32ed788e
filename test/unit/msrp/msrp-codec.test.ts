import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChunkAssembler,
  chunksOf,
  msrpHeader,
  parseByteRange,
  parseMsrpUri,
  formatMsrpUri,
  pathUris,
  readFrame,
  reportStatus,
  reportWishes,
  respondsWith,
  serializeByteRange,
  serializeReport,
  serializeRequest,
  serializeResponse,
  type MsrpFrame,
  type MsrpRequest,
} from '../../../adapters/sip/msrp/codec/index.js';
import { HeraldError } from '../../../src/errors.js';
import { expectHeraldError, FUZZ_RUNS, fixture, fixtureNames, PROPERTY_RUNS } from '../codecs/codec-test-helpers.js';

function frameOf(bytes: Buffer): MsrpFrame {
  const result = readFrame(bytes);
  if (result.kind !== 'frame') throw new Error('incomplete');
  expect(result.consumed).toBe(bytes.length);
  return result.frame;
}

function requestOf(bytes: Buffer): MsrpRequest {
  const frame = frameOf(bytes);
  if (frame.kind !== 'request') throw new Error('not a request');
  return frame;
}

describe('MSRP codec', () => {
  describe('when reading RFC 4975 examples', () => {
    it('parses the §4 SEND with its paths, Message-ID, Byte-Range and body', () => {
      const send = requestOf(fixture('msrp', 'good', 'rfc4975-s4-send.txt'));
      expect(send.method).toBe('SEND');
      expect(send.transactionId).toBe('a786hjs2');
      expect(pathUris(msrpHeader(send, 'to-path'))).toEqual(['msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp']);
      expect(msrpHeader(send, 'Message-ID')).toBe('87652491');
      expect(parseByteRange(msrpHeader(send, 'Byte-Range'))).toEqual({ start: 1, end: 25, total: 25 });
      expect(send.body?.toString()).toBe('Hey Bob, are you there?');
      expect(send.flag).toBe('$');
    });

    it('parses the §4 200 response with its comment', () => {
      const frame = frameOf(fixture('msrp', 'good', 'rfc4975-s4-response.txt'));
      expect(frame).toMatchObject({ kind: 'response', transactionId: 'a786hjs2', status: 200, comment: 'OK', flag: '$' });
    });

    it('parses a REPORT and its Status header', () => {
      const report = requestOf(fixture('msrp', 'good', 'rfc4975-report.txt'));
      expect(report.method).toBe('REPORT');
      expect(report.body).toBeUndefined();
      expect(reportStatus(report)).toEqual({ code: 200, comment: 'OK' });
    });

    it('parses every good fixture', () => {
      for (const name of fixtureNames('msrp', 'good')) expect(() => frameOf(fixture('msrp', 'good', name)), name).not.toThrow();
    });
  });

  describe('when reading bad frames', () => {
    it('refuses each bad fixture with GW_ERR_MSRP_MALFORMED', () => {
      for (const name of fixtureNames('msrp', 'bad')) {
        const err = expectHeraldError(() => readFrame(fixture('msrp', 'bad', name)), 'GW_ERR_MSRP_MALFORMED');
        expect(err.detail, name).not.toBe('');
      }
    });

    it('refuses a chunk past the limit once it has passed it, before the end-line', () => {
      const head = Buffer.from('MSRP abcd1234 SEND\r\nTo-Path: msrp://a:1/x;tcp\r\nFrom-Path: msrp://b:1/y;tcp\r\nContent-Type: text/plain\r\n\r\n');
      const under = Buffer.concat([head, Buffer.alloc(1000, 0x61)]);
      expect(readFrame(under, { maxChunkBytes: 1000 }).kind).toBe('incomplete');
      expectHeraldError(() => readFrame(Buffer.concat([head, Buffer.alloc(1100, 0x61)]), { maxChunkBytes: 1000 }), 'GW_ERR_CONTENT_TOO_LARGE');
    });

    it('refuses a header section that never ends past 16 KB', () => {
      const junk = Buffer.concat([Buffer.from('MSRP abcd1234 SEND\r\nTo-Path: '), Buffer.alloc(17_000, 0x61)]);
      expectHeraldError(() => readFrame(junk), 'GW_ERR_CONTENT_TOO_LARGE');
    });
  });

  describe('when a frame arrives in pieces', () => {
    it('is incomplete at every cut and whole at the end, with the interrupted body exposed', () => {
      const bytes = fixture('msrp', 'good', 'chunked-first.txt');
      for (let cut = 0; cut < bytes.length; cut++) {
        const result = readFrame(bytes.subarray(0, cut));
        expect(result.kind, `cut ${cut}`).toBe('incomplete');
        // What is offered as an interrupted chunk's body is always a prefix of the real body.
        if (result.kind === 'incomplete' && result.partial !== undefined) expect('abcdefghij'.startsWith(result.partial.bodySoFar.toString())).toBe(true);
      }
      expect(readFrame(bytes).kind).toBe('frame');
    });

    it('reads two frames back to back, reporting what each consumed', () => {
      const a = fixture('msrp', 'good', 'chunked-first.txt');
      const b = fixture('msrp', 'good', 'chunked-last.txt');
      const first = readFrame(Buffer.concat([a, b]));
      expect(first.kind === 'frame' && first.consumed).toBe(a.length);
    });
  });

  describe('when reassembling chunks', () => {
    it('joins the chunked example and refuses nothing in between', () => {
      const assembler = new ChunkAssembler(1000);
      const add = (name: string) => {
        const r = requestOf(fixture('msrp', 'good', name));
        return assembler.add({ messageId: msrpHeader(r, 'Message-ID') ?? '', range: parseByteRange(msrpHeader(r, 'Byte-Range')), body: r.body ?? Buffer.alloc(0), flag: r.flag });
      };
      expect(add('chunked-first.txt')).toEqual({ kind: 'partial' });
      const done = add('chunked-last.txt');
      expect(done.kind === 'complete' && done.message.toString()).toBe('abcdefghijklmnopqrst');
      expect(assembler.open).toBe(0);
    });

    it('drops a message whose chunk ends with #', () => {
      const assembler = new ChunkAssembler(1000);
      const first = requestOf(fixture('msrp', 'good', 'chunked-first.txt'));
      assembler.add({ messageId: 'm', range: parseByteRange(msrpHeader(first, 'Byte-Range')), body: first.body ?? Buffer.alloc(0), flag: '+' });
      expect(assembler.add({ messageId: 'm', range: { start: 11, end: '*', total: '*' }, body: Buffer.from('klm'), flag: '#' })).toEqual({ kind: 'aborted' });
      expect(assembler.open).toBe(0);
    });

    it('refuses a message over the limit with GW_ERR_CONTENT_TOO_LARGE', () => {
      const assembler = new ChunkAssembler(10);
      expectHeraldError(() => assembler.add({ messageId: 'm', range: { start: 1, end: 5, total: 50 }, body: Buffer.from('abcde'), flag: '+' }), 'GW_ERR_CONTENT_TOO_LARGE');
    });

    it('refuses a body that does not match its Byte-Range', () => {
      const assembler = new ChunkAssembler(100);
      expectHeraldError(() => assembler.add({ messageId: 'm', range: { start: 1, end: 5, total: 5 }, body: Buffer.from('abc'), flag: '$' }), 'GW_ERR_MSRP_MALFORMED');
    });

    it('puts any message back together from its chunks in any order, with overlapping resends', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 64 }), fc.integer(), (bytes, size, seed) => {
          const message = Buffer.from(bytes);
          const chunks = chunksOf(message, size);
          // A resend of the first chunk (as after an interrupted one) and a shuffle.
          const all = [...chunks, chunks[0]!];
          const order = all.map((c, i) => ({ c, k: Math.sin(seed + i) })).sort((x, y) => x.k - y.k).map((x) => x.c);
          const assembler = new ChunkAssembler(1000);
          let whole: Buffer | undefined;
          for (const chunk of order) {
            const outcome = assembler.add({ messageId: 'id', range: chunk.range, body: chunk.body, flag: chunk.flag });
            if (outcome.kind === 'complete') whole ??= outcome.message;
          }
          expect(whole?.equals(message)).toBe(true);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when writing frames', () => {
    it('round-trips any SEND chunk through serialize and read', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('$', '+', '#' as const), fc.stringMatching(/^[A-Za-z0-9]{1,20}$/), (bytes, flag, messageId) => {
          const body = Buffer.from(bytes);
          const transactionId = 'tx12345678';
          let wire: Buffer;
          try {
            wire = serializeRequest({ transactionId, method: 'SEND', toPath: ['msrp://a.example:1/x;tcp'], fromPath: ['msrp://b.example:2/y;tcp'], headers: [{ name: 'Message-ID', value: messageId }], contentType: 'text/plain', body, flag });
          } catch (err) {
            // Only a body holding its own end-line may be refused.
            expect(body.includes(`\r\n-------${transactionId}`)).toBe(true);
            expect((err as HeraldError).code).toBe('GW_ERR_MSRP_MALFORMED');
            return;
          }
          const read = requestOf(wire);
          expect(read.body?.equals(body)).toBe(true);
          expect(read.flag).toBe(flag);
          expect(msrpHeader(read, 'message-id')).toBe(messageId);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });

    it('writes a response whose To-Path is the request sender', () => {
      const wire = serializeResponse({ transactionId: 'a786hjs2', status: 200, comment: 'OK', toPath: ['msrp://atlanta.example.com:7654/jshA7weztas;tcp'], fromPath: ['msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp'] });
      expect(wire.equals(fixture('msrp', 'good', 'rfc4975-s4-response.txt'))).toBe(true);
    });

    it('writes a REPORT the reader reads back', () => {
      const wire = serializeReport({ transactionId: 'dkei38sd', toPath: ['msrp://alice.example.com:7777/iau39soe2843z;tcp'], fromPath: ['msrp://bob.example.com:8888/9di4eae923wzd;tcp'], messageId: '12339sdqwer', range: { start: 1, end: 106, total: 106 }, status: 200, comment: 'OK' });
      expect(wire.equals(fixture('msrp', 'good', 'rfc4975-report.txt'))).toBe(true);
    });

    it('refuses a header value with a line break', () => {
      expectHeraldError(() => serializeRequest({ transactionId: 'abcd1234', method: 'SEND', toPath: ['a'], fromPath: ['b'], headers: [{ name: 'Message-ID', value: 'x\r\nEvil: 1' }] }), 'GW_ERR_MSRP_MALFORMED');
    });
  });

  describe('when reading report wishes', () => {
    it('defaults to Failure-Report yes and Success-Report no (RFC 4975 §7.1.2)', () => {
      const send = requestOf(fixture('msrp', 'good', 'rfc4975-s4-send.txt'));
      expect(reportWishes(send)).toEqual({ success: false, failure: 'yes' });
      expect(respondsWith({ success: false, failure: 'no' }, 200)).toBe(false);
      expect(respondsWith({ success: false, failure: 'partial' }, 200)).toBe(false);
      expect(respondsWith({ success: false, failure: 'partial' }, 413)).toBe(true);
    });
  });

  describe('when reading Byte-Range and URIs', () => {
    it('round-trips byte ranges and refuses impossible ones', () => {
      expect(serializeByteRange(parseByteRange('1-*/*'))).toBe('1-*/*');
      expect(parseByteRange('1-0/0')).toEqual({ start: 1, end: 0, total: 0 });
      for (const bad of ['0-5/5', '5-3/9', '1-9/5', 'x', '1-2']) expectHeraldError(() => parseByteRange(bad), 'GW_ERR_MSRP_MALFORMED');
    });

    it('parses and formats MSRP URIs, IPv6 included', () => {
      const uri = parseMsrpUri('msrp://[::1]:2855/abc123;tcp');
      expect(uri).toEqual({ secure: false, host: '::1', port: 2855, sessionId: 'abc123', transport: 'tcp' });
      expect(formatMsrpUri(uri)).toBe('msrp://[::1]:2855/abc123;tcp');
      expectHeraldError(() => parseMsrpUri('http://x/y;tcp'), 'GW_ERR_MSRP_MALFORMED');
    });
  });

  describe('when fed arbitrary bytes', () => {
    it('returns a frame, incomplete, or a HeraldError — never anything else', () => {
      const seed = fixture('msrp', 'good', 'chunked-first.txt');
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 300 }), (noise, at) => {
          const mutated = Buffer.concat([seed.subarray(0, at), Buffer.from(noise), seed.subarray(at + noise.length)]);
          for (const input of [mutated, Buffer.from(noise)]) {
            try {
              const result = readFrame(input, { maxChunkBytes: 256 });
              if (result.kind === 'frame') expect(result.consumed).toBeLessThanOrEqual(input.length);
            } catch (err) {
              expect(err).toBeInstanceOf(HeraldError);
            }
          }
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  });
});
