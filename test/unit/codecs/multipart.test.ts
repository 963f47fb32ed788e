import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MULTIPART_MAX_DEPTH, MULTIPART_MAX_PARTS, parseMultipart, serializeMultipart, type MultipartPart } from '../../../src/codecs/multipart.js';
import { parseResourceLists } from '../../../src/codecs/resource-lists.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, fixture, fixtureNames, valueOrHeraldError } from './codec-test-helpers.js';

/** Fixtures are a Content-Type header line, a blank line, then the body. */
function entity(kind: 'good' | 'bad', name: string): { contentType: string; body: Buffer } {
  const raw = fixture('multipart', kind, name);
  const nl = raw.indexOf('\n');
  const first = raw.subarray(0, nl).toString().replace(/\r$/, '');
  const skip = raw[nl + 1] === 0x0d ? nl + 3 : nl + 2;
  return { contentType: first.slice(first.indexOf(':') + 1).trim(), body: raw.subarray(skip) };
}

describe('multipart', () => {
  describe('when parsing an RFC 5365 recipient-list MESSAGE body', () => {
    it('gives the resource list part and the message part with exact bodies', () => {
      const { contentType, body } = entity('good', 'multipart-rfc5365-recipient-list.txt');
      const mp = parseMultipart(body, contentType);
      expect(mp.mediaType).toBe('multipart/mixed');
      expect(mp.boundary).toBe('boundary1');
      expect(mp.parts).toHaveLength(2);
      expect(mp.parts[0]?.headers).toEqual([
        { name: 'Content-Type', value: 'application/resource-lists+xml' },
        { name: 'Content-Disposition', value: 'recipient-list' },
      ]);
      expect(parseResourceLists(mp.parts[0]?.body ?? Buffer.alloc(0)).map((e) => e.uri)).toEqual(['sip:bill@example.com', 'tel:+15551234567']);
      expect(mp.parts[1]?.body.toString()).toBe('Hello world');
    });
  });

  describe('when lines end with LF and there is a preamble, padding and an epilogue', () => {
    it('ignores preamble and epilogue and reads a part without headers', () => {
      const { contentType, body } = entity('good', 'multipart-lf-only-preamble-epilogue.txt');
      const mp = parseMultipart(body, contentType);
      expect(mp.parts.map((p) => p.body.toString())).toEqual(['part one', 'part two, no headers']);
      expect(mp.parts[1]?.headers).toEqual([]);
    });
  });

  describe('when a part is itself multipart', () => {
    it('parses the nested body and keeps the raw bytes', () => {
      const { contentType, body } = entity('good', 'multipart-nested.txt');
      const mp = parseMultipart(body, contentType);
      const nested = mp.parts[0]?.multipart;
      expect(nested?.mediaType).toBe('multipart/alternative');
      expect(nested?.parts.map((p) => p.body.toString())).toEqual(['plain', '<b>html</b>']);
      expect(mp.parts[0]?.body.toString()).toContain('--inner--');
      expect(mp.parts[1]?.body.toString()).toBe('tail');
    });

    it('refuses nesting deeper than MULTIPART_MAX_DEPTH', () => {
      let inner = serializeMultipart({ boundary: 'b0', parts: [{ headers: [], body: Buffer.from('x') }] });
      for (let d = 1; d <= MULTIPART_MAX_DEPTH; d += 1) {
        inner = serializeMultipart({ boundary: `b${d}`, parts: [{ headers: [{ name: 'Content-Type', value: inner.contentType }], body: inner.body }] });
      }
      const err = expectHeraldError(() => parseMultipart(inner.body, inner.contentType), 'GW_ERR_MULTIPART_MALFORMED');
      expect(err.meta).toEqual({ maxDepth: MULTIPART_MAX_DEPTH });
    });
  });

  describe('when a bad fixture is parsed', () => {
    for (const name of fixtureNames('multipart', 'bad')) {
      it(`refuses ${name} with GW_ERR_MULTIPART_MALFORMED`, () => {
        const { contentType, body } = entity('bad', name);
        expectHeraldError(() => parseMultipart(body, contentType), 'GW_ERR_MULTIPART_MALFORMED');
      });
    }

    it('refuses more than MULTIPART_MAX_PARTS parts', () => {
      const parts = Array.from({ length: MULTIPART_MAX_PARTS + 1 }, () => ({ headers: [], body: Buffer.from('p') }));
      const { contentType, body } = serializeMultipart({ boundary: 'b', parts });
      expect(expectHeraldError(() => parseMultipart(body, contentType), 'GW_ERR_MULTIPART_MALFORMED').meta).toEqual({ maxParts: MULTIPART_MAX_PARTS });
    });
  });

  describe('when serializing', () => {
    it('writes CRLF delimiters and a quoted-when-needed boundary parameter', () => {
      const out = serializeMultipart({
        boundary: 'a b',
        parts: [{ headers: [{ name: 'Content-Type', value: 'text/plain' }], body: Buffer.from('hi') }],
      });
      expect(out.contentType).toBe('multipart/mixed;boundary="a b"');
      expect(out.body.toString()).toBe('--a b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--a b--\r\n');
    });

    it('refuses a body that contains the delimiter, and a bad boundary', () => {
      expectHeraldError(() => serializeMultipart({ boundary: 'b', parts: [{ headers: [], body: Buffer.from('x\r\n--b\r\n') }] }), 'GW_ERR_MULTIPART_MALFORMED');
      expectHeraldError(() => serializeMultipart({ boundary: 'b"', parts: [{ headers: [], body: Buffer.from('x') }] }), 'GW_ERR_MULTIPART_MALFORMED');
      expectHeraldError(() => serializeMultipart({ boundary: 'b', parts: [] }), 'GW_ERR_MULTIPART_MALFORMED');
    });
  });

  describe('when round-tripping generated bodies', () => {
    const boundary = fc.stringMatching(/^[0-9A-Za-z'()+_,\-./:=?]{1,40}$/);
    const header = fc.record({
      name: fc.constantFrom('Content-Type', 'Content-Disposition', 'Content-ID', 'X-Extra'),
      value: fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/),
    });
    const part = fc.record({
      headers: fc.array(header, { maxLength: 3 }).map((hs) => hs.filter((h) => !/^multipart\//i.test(h.value))),
      body: fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constantFrom('\r\n', '\n', '--', '\r\n\r\n', 'line\r\n--x').map((s) => new TextEncoder().encode(s))).map((b) => Buffer.from(b)),
    });

    it('parse(serialize(x)) deep-equals x', () => {
      fc.assert(
        fc.property(boundary, fc.array(part, { minLength: 1, maxLength: 5 }), (b, parts: MultipartPart[]) => {
          const marker = `--${b}`;
          fc.pre(parts.every((p) => !p.body.toString('latin1').startsWith(marker) && !p.body.toString('latin1').includes(`\n${marker}`)));
          const { contentType, body } = serializeMultipart({ boundary: b, parts });
          expect(parseMultipart(body, contentType)).toEqual({ mediaType: 'multipart/mixed', boundary: b, parts });
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the input is arbitrary', () => {
    it('returns parts or throws a HeraldError, for any bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => valueOrHeraldError(() => parseMultipart(Buffer.from(b), 'multipart/mixed; boundary=b'))),
        { numRuns: FUZZ_RUNS },
      );
    });

    it('returns parts or throws a HeraldError, for delimiter-rich text', () => {
      const piece = fc.constantFrom('--b', '--b--', '\r\n', '\n', 'Content-Type: multipart/mixed; boundary=b', 'Content-Type: multipart/x', ': x', 'body', ' ', '--bb');
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 16 }), fc.string({ maxLength: 30 }), (p, ct) => {
          valueOrHeraldError(() => parseMultipart(Buffer.from(p.join('')), 'multipart/mixed; boundary=b'));
          valueOrHeraldError(() => parseMultipart(Buffer.from(p.join('')), ct));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  });
});
