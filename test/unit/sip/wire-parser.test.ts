import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_LINES, MAX_HEADER_SECTION_BYTES } from '../../../adapters/sip/shared/limits.js';
import { headerSectionEnd, headerValues, parseHead } from '../../../adapters/sip/shared/wire-parser.js';

const head = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');

const BASE = [
  'MESSAGE sip:+15551234567@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1',
  'From: <sip:alice@example.com>;tag=1',
  'To: <sip:+15551234567@example.com>',
  'Call-ID: abc@example.com',
  'CSeq: 1 MESSAGE',
];

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const value = fc.stringMatching(/^[!-~]([ -~]{0,40}[!-~])?$/);

describe('wire parser', () => {
  describe('when the header section is well formed', () => {
    it('should read the request line and every header line, compact names expanded', () => {
      const parsed = parseHead(head([...BASE, 'i: second', 'l: 0']));
      expect(parsed.kind).toBe('request');
      if (parsed.kind !== 'request') return;
      expect(parsed.method).toBe('MESSAGE');
      expect(parsed.requestUri).toBe('sip:+15551234567@example.com');
      expect(headerValues(parsed.headers, 'call-id')).toEqual(['abc@example.com', 'second']);
      expect(headerValues(parsed.headers, 'content-length')).toEqual(['0']);
    });

    it('should unfold continuation lines with one space (RFC 3261 §7.3.1)', () => {
      const parsed = parseHead(head([...BASE, 'Subject: one', ' two', '\tthree']));
      expect(parsed.kind === 'request' && headerValues(parsed.headers, 'subject')).toEqual(['one two three']);
    });

    it('should keep a header named __proto__ as a plain entry', () => {
      const parsed = parseHead(head([...BASE, '__proto__: polluted', 'constructor: x']));
      expect(parsed.kind).toBe('request');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(parsed.kind === 'request' && headerValues(parsed.headers, '__proto__')).toEqual(['polluted']);
    });

    it('should read any generated header list back as written', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(token, value), { maxLength: 40 }), (pairs) => {
          const parsed = parseHead(head([BASE[0] ?? '', ...pairs.map(([n, v]) => `${n}: ${v}`)]));
          expect(parsed.kind).toBe('request');
          if (parsed.kind !== 'request') return;
          expect(parsed.headers.map((h) => h.value)).toEqual(pairs.map(([, v]) => v.trim()));
        }),
      );
    });
  });

  describe('when the start line is malformed', () => {
    it.each([
      ['MESSAGE  sip:a@b SIP/2.0', 400],
      ['MESSAGE sip:a@b SIP/2.0 ', 400],
      ['MESSAGE sip:a b@c SIP/2.0', 400],
      ['MESSAGE sip:a@b SIP/7.0', 505],
      ['MESSAGE sip:a@b HTTP/1.1', 400],
      ['MESS(AGE sip:a@b SIP/2.0', 400],
    ])('should refuse %j with %i', (line, status) => {
      const parsed = parseHead(head([line, ...BASE.slice(1)]));
      expect(parsed.kind).toBe('invalid');
      expect(parsed.kind === 'invalid' && parsed.status).toBe(status);
      // The headers read so far stay available to build the answer.
      expect(parsed.kind === 'invalid' && headerValues(parsed.headers, 'via')).toHaveLength(1);
    });

    it('should keep an escaped method name as sent', () => {
      const parsed = parseHead(head(['MESS%41GE sip:a@b SIP/2.0', ...BASE.slice(1)]));
      expect(parsed.kind === 'request' && parsed.method).toBe('MESS%41GE');
    });
  });

  describe('when a header line is malformed', () => {
    it.each([
      ['no colon at all'],
      [': empty name'],
      ['Bad Name: space in the name'],
      ['From: <sip:a\u0000b@c>'],
    ])('should refuse %j with 400', (line) => {
      const parsed = parseHead(head([...BASE, line]));
      expect(parsed.kind === 'invalid' && parsed.status).toBe(400);
    });
  });

  describe('when limits are exceeded', () => {
    it('should refuse a header section over the limit without splitting it', () => {
      const parsed = parseHead(Buffer.alloc(MAX_HEADER_SECTION_BYTES + 1, 0x20));
      expect(parsed.kind === 'invalid' && parsed.status).toBe(513);
    });

    it('should refuse more header lines than the limit', () => {
      const lines = [...BASE, ...Array.from({ length: MAX_HEADER_LINES }, (_, i) => `X-${i}: y`)];
      expect(parseHead(head(lines)).kind).toBe('invalid');
    });

    it('should find no header end in 65,000 spaces, searching only the allowed window', () => {
      expect(headerSectionEnd(Buffer.alloc(65_000, 0x20))).toBe(-1);
    });
  });

  describe('when given arbitrary bytes', () => {
    it('should never throw', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 4_000 }), (bytes) => {
          const buffer = Buffer.from(bytes);
          const end = headerSectionEnd(buffer);
          parseHead(buffer.subarray(0, end === -1 ? buffer.length : end));
        }),
        { numRuns: 2_000 },
      );
    });

    it('should never throw on mutations of a real header section', () => {
      const text = BASE.join('\r\n');
      fc.assert(
        fc.property(fc.nat(text.length), fc.string({ maxLength: 20 }), fc.nat(30), (at, insert, cut) => {
          parseHead(Buffer.from(text.slice(0, at) + insert + text.slice(at + cut), 'latin1'));
        }),
        { numRuns: 2_000 },
      );
    });
  });
});
