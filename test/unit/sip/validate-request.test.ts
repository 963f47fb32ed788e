import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toIncomingRequest } from '../../../adapters/sip/shared/incoming-request.js';
import { parseNameAddr } from '../../../adapters/sip/shared/name-addr.js';
import { balanced, validateRequest } from '../../../adapters/sip/shared/validate-request.js';

function request(extra: string[] = [], options: { method?: string; uri?: string; body?: string; replace?: [string, string] } = {}) {
  const method = options.method ?? 'MESSAGE';
  let block = [
    'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1',
    'From: "Alice" <sip:alice@example.com>;tag=1',
    'To: <sip:+15551234567@example.com>',
    'Call-ID: abc@example.com',
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
    ...extra,
  ].join('\r\n');
  if (options.replace) block = block.replace(options.replace[0], options.replace[1]);
  return toIncomingRequest({
    method,
    requestUri: options.uri ?? 'sip:+15551234567@example.com',
    headerBlock: block,
    body: Buffer.from(options.body ?? 'hi'),
    source: { address: '192.0.2.1', port: 5060, transport: 'udp' },
  });
}

describe('validateRequest', () => {
  describe('when the request is well formed', () => {
    it('should find nothing wrong', () => {
      expect(validateRequest(request(['Content-Length: 2']))).toBeUndefined();
    });
  });

  describe('when a single-value header appears twice', () => {
    it.each(['From: <sip:b@c>;tag=2', 'To: <sip:d@e>', 'Call-ID: other', 'CSeq: 2 MESSAGE', 'Content-Length: 2', 'Max-Forwards: 5'])(
      'should refuse a second %j',
      (line) => {
        const extra = line.startsWith('Content-Length') ? ['Content-Length: 2', line] : [line];
        expect(validateRequest(request(extra))?.detail).toMatch(/more than one/);
      },
    );
  });

  describe('when CSeq is out of range or names another method', () => {
    it('should accept every number up to 2^31-1 and refuse every one above', () => {
      fc.assert(
        fc.property(fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2 ** 31, max: 9_999_999_999 })), (n) => {
          const problem = validateRequest(request([], { replace: ['CSeq: 1 MESSAGE', `CSeq: ${n} MESSAGE`] }));
          expect(problem === undefined).toBe(n <= 2 ** 31 - 1);
        }),
      );
    });

    it('should refuse 2^53 and a method mismatch', () => {
      expect(validateRequest(request([], { replace: ['CSeq: 1 MESSAGE', 'CSeq: 9007199254740992 MESSAGE'] }))).toBeDefined();
      expect(validateRequest(request([], { replace: ['CSeq: 1 MESSAGE', 'CSeq: 1 OPTIONS'] }))?.detail).toMatch(/method/);
    });

    it('should compare method names as sent (case and escapes)', () => {
      expect(validateRequest(request([], { method: 'MESS%41GE', replace: ['CSeq: 1 MESS%41GE', 'CSeq: 1 MESSAGE'] }))).toBeDefined();
      expect(validateRequest(request([], { method: 'message', replace: ['CSeq: 1 message', 'CSeq: 1 MESSAGE'] }))).toBeDefined();
    });
  });

  describe('when Content-Length and the body disagree', () => {
    it('should refuse a Content-Length larger than the body', () => {
      expect(validateRequest(request(['Content-Length: 10']))?.detail).toMatch(/larger than the body/);
    });

    it('should refuse a negative or non-numeric Content-Length', () => {
      expect(validateRequest(request(['Content-Length: -1']))).toBeDefined();
      expect(validateRequest(request(['Content-Length: 1e3']))).toBeDefined();
    });
  });

  describe('when the Request-URI or a name-addr is malformed', () => {
    it('should refuse a Request-URI in angle brackets', () => {
      expect(validateRequest(request([], { uri: '<sip:+15551234567@example.com>' }))?.detail).toMatch(/angle/);
    });

    it('should refuse an unterminated quote in To', () => {
      expect(validateRequest(request([], { replace: ['To: <sip', 'To: "Mr. J. User <sip'] }))?.detail).toMatch(/quote/);
    });

    it('should refuse a request without Call-ID', () => {
      expect(validateRequest(request([], { replace: ['Call-ID: abc@example.com\r\n', ''] }))?.detail).toMatch(/call-id/);
    });
  });
});

describe('balanced', () => {
  const quoted = fc.string({ maxLength: 30 }).map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`);

  it('should accept any quoted string with escapes followed by an addr-spec in brackets', () => {
    fc.assert(
      fc.property(quoted, (q) => {
        expect(balanced(`${q} <sip:a@b>;tag=1`)).toBe(true);
      }),
    );
  });

  it('should refuse the same with one more unescaped quote', () => {
    fc.assert(
      fc.property(quoted, (q) => {
        expect(balanced(`${q}" <sip:a@b>`)).toBe(false);
      }),
    );
  });
});

describe('parseNameAddr', () => {
  it('should read display name, URI and tag', () => {
    expect(parseNameAddr('"A \\"B\\"" <sip:a@b;lr>;tag=x;foo')).toEqual({ displayName: 'A "B"', uri: 'sip:a@b;lr', tag: 'x' });
    expect(parseNameAddr('sip:a@b;tag=y')).toEqual({ displayName: undefined, uri: 'sip:a@b', tag: 'y' });
    expect(parseNameAddr('caller<sip:c@d>')).toEqual({ displayName: 'caller', uri: 'sip:c@d', tag: undefined });
  });

  it('should cost linear time on 16 KB of spaces (the old regex took its square)', () => {
    const started = process.hrtime.bigint();
    parseNameAddr(`${' '.repeat(16_384)}x`);
    parseNameAddr(`"${' '.repeat(16_384)}`);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
  });

  it('should never throw', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void parseNameAddr(s)));
  });
});
