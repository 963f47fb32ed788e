import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CPIM_MAX_HEADERS,
  IMDN_HEADER_NS,
  cpimHeaderValues,
  formatCpimAddress,
  parseCpim,
  parseCpimAddress,
  serializeCpim,
  type CpimMessage,
} from '../../../src/codecs/cpim.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, fixture, fixtureNames, uriArb, valueOrHeraldError } from './codec-test-helpers.js';

const good = (name: string): CpimMessage => parseCpim(fixture('cpim', 'good', name));

describe('cpim', () => {
  describe('when parsing the RFC-shaped example with CRLF', () => {
    it('reads addresses, DateTime, NS, imdn headers, content type and the exact body', () => {
      const msg = good('cpim-rfc-example-crlf.txt');
      expect(msg.from).toEqual({ uri: 'sip:alice@example.com', displayName: 'Alice A.' });
      expect(msg.to).toEqual([{ uri: 'sip:+15551234567@gw.example.com' }]);
      expect(msg.dateTime).toBe('2026-11-26T06:14:30Z');
      expect(msg.namespaces).toEqual([{ prefix: 'imdn', uri: IMDN_HEADER_NS }]);
      expect(cpimHeaderValues(msg, IMDN_HEADER_NS, 'Message-ID')).toEqual(['TQ8lhPzudMrn']);
      expect(msg.contentType).toBe('text/plain;charset=UTF-8');
      expect(msg.contentHeaders).toEqual([]);
      expect(msg.body.toString()).toBe('Hello from a CPIM-wrapped IM');
    });
  });

  describe('when lines end with LF only', () => {
    it('parses the same as CRLF', () => {
      const msg = good('cpim-lf-only-lines.txt');
      expect(msg.from?.uri).toBe('sip:alice@example.com');
      expect(cpimHeaderValues(msg, IMDN_HEADER_NS, 'message-id')).toEqual(['lfOnly123']);
      expect(msg.body.toString()).toBe('Hello via LF');
    });
  });

  describe('when the NS line is missing', () => {
    it('still resolves imdn.* headers to the IMDN namespace', () => {
      const msg = good('cpim-no-ns-line.txt');
      expect(msg.namespaces).toEqual([]);
      expect(msg.headers.every((h) => h.ns === IMDN_HEADER_NS)).toBe(true);
      expect(cpimHeaderValues(msg, IMDN_HEADER_NS, 'Disposition-Notification')).toEqual(['positive-delivery']);
    });

    it('lets a declared prefix bind another namespace, and a declared prefix other than imdn work', () => {
      const msg = good('cpim-subject-lang-and-escapes.txt');
      expect(msg.headers).toEqual([
        { name: 'MyFeatures.VitalMessageOption', value: 'Confirmation-requested', ns: 'mid:MessageFeatures@id.foo.com' },
      ]);
      const rebound = parseCpim(Buffer.from('From: <sip:a@b>\r\nNS: imdn <urn:other>\r\nimdn.Message-ID: x\r\n\r\n\r\n'));
      expect(rebound.headers[0]?.ns).toBe('urn:other');
    });
  });

  describe('when the inner Content-Length is wrong or padded', () => {
    it('trusts the actual bytes when Content-Length is too small', () => {
      expect(good('cpim-wrong-content-length.txt').body.toString()).toBe('The real body is longer than three bytes');
    });

    it('keeps every byte after the blank line, trailing CRLF included', () => {
      const msg = good('cpim-padded-content-length.txt');
      expect(msg.body.toString()).toBe('Hello\r\n');
      expect(msg.contentHeaders).toEqual([]);
    });
  });

  describe('when headers are folded or in any case', () => {
    it('unfolds continuation lines', () => {
      const msg = good('cpim-folded-header.txt');
      expect(msg.from).toEqual({ uri: 'sip:alice@example.com', displayName: 'Alice Example' });
      expect(msg.subjects).toEqual([{ text: 'a subject that was folded' }]);
    });

    it('matches header names case-insensitively and keeps unknown ones', () => {
      const msg = good('cpim-header-names-any-case.txt');
      expect(msg.from?.uri).toBe('sip:alice@example.com');
      expect(msg.to).toHaveLength(1);
      expect(msg.cc).toEqual([{ uri: 'sip:carol@example.com', displayName: 'Carol' }]);
      expect(msg.dateTime).toBe('2026-11-26T06:14:30Z');
      expect(cpimHeaderValues(msg, IMDN_HEADER_NS, 'Message-ID')).toEqual(['caseX']);
      expect(msg.headers.find((h) => h.name === 'Require')?.value).toBe('Foo');
      expect(msg.contentType).toBe('text/plain');
      expect(msg.body.toString()).toBe('hi');
    });
  });

  describe('when Subject carries a language and escapes', () => {
    it('reads ;lang and undoes RFC 3862 escapes', () => {
      const msg = good('cpim-subject-lang-and-escapes.txt');
      expect(msg.subjects).toEqual([{ text: 'Bonjour "mon" ami\né', lang: 'fr' }, { text: 'Hello' }]);
      expect(msg.contentHeaders).toEqual([{ name: 'Content-ID', value: '<1234567890@foo.com>' }]);
    });
  });

  describe('when addresses are bare URIs or the body is absent', () => {
    it('accepts a bare URI in From and To', () => {
      const msg = good('cpim-bare-uri-addresses.txt');
      expect(msg.from).toEqual({ uri: 'sip:alice@example.com' });
      expect(msg.to).toEqual([{ uri: 'tel:+15551234567' }]);
    });

    it('reads content headers that end the input as an empty body', () => {
      const msg = good('cpim-headers-only-no-body.txt');
      expect(msg.contentType).toBe('text/plain');
      expect(msg.body.length).toBe(0);
    });
  });

  describe('when a liblinphone IMDN arrives deflated, without NS and without imdn.Message-ID', () => {
    it('parses after inflating, with the XML as body', () => {
      const msg = parseCpim(inflateSync(fixture('cpim', 'good', 'cpim-liblinphone-imdn-no-ns-no-message-id.deflate')));
      expect(msg.from?.uri).toBe('sip:bob@sip.example.org');
      expect(msg.headers).toEqual([]);
      expect(msg.contentType).toBe('message/imdn+xml');
      expect(msg.contentHeaders).toEqual([{ name: 'Content-Disposition', value: 'notification' }]);
      expect(msg.body.toString()).toContain('<message-id>Xz9aBcD1</message-id>');
    });
  });

  describe('when a bad fixture is parsed', () => {
    for (const name of fixtureNames('cpim', 'bad')) {
      it(`refuses ${name} with GW_ERR_CPIM_MALFORMED and a detail`, () => {
        const err = expectHeraldError(() => parseCpim(fixture('cpim', 'bad', name)), 'GW_ERR_CPIM_MALFORMED');
        expect(err.detail.length).toBeGreaterThan(0);
      });
    }

    it('refuses more than CPIM_MAX_HEADERS headers', () => {
      const many = 'X-A: 1\r\n'.repeat(CPIM_MAX_HEADERS + 1);
      expectHeraldError(() => parseCpim(Buffer.from(`${many}\r\n\r\n`)), 'GW_ERR_CPIM_MALFORMED');
    });
  });

  describe('when serializing', () => {
    it('writes CRLF, adds NS: imdn for imdn headers, and a correct Content-Length', () => {
      const out = serializeCpim({
        from: { uri: 'sip:herald@gw.example.com', displayName: 'Herald "GW"' },
        to: [{ uri: 'sip:alice@example.com' }],
        cc: [],
        dateTime: '2026-11-26T06:14:33Z',
        subjects: [{ text: 'line\nbreak', lang: 'en' }],
        namespaces: [],
        headers: [{ name: 'imdn.Message-ID', value: 'abc' }],
        contentType: 'text/plain;charset=UTF-8',
        contentHeaders: [{ name: 'Content-Length', value: '999' }],
        body: Buffer.from('héllo'),
      }).toString();
      expect(out).toBe(
        'From: "Herald \\"GW\\"" <sip:herald@gw.example.com>\r\n' +
          'To: <sip:alice@example.com>\r\n' +
          'DateTime: 2026-11-26T06:14:33Z\r\n' +
          'Subject:;lang=en line\\nbreak\r\n' +
          'NS: imdn <urn:ietf:params:imdn>\r\n' +
          'imdn.Message-ID: abc\r\n' +
          '\r\n' +
          'Content-Type: text/plain;charset=UTF-8\r\n' +
          'Content-Length: 6\r\n' +
          '\r\n' +
          'héllo',
      );
    });

    it('refuses to write without From', () => {
      expectHeraldError(
        () => serializeCpim({ to: [], cc: [], subjects: [], namespaces: [], headers: [], contentHeaders: [], body: Buffer.alloc(0) }),
        'GW_ERR_CPIM_MALFORMED',
      );
    });

    it('refuses a header value that would inject a line', () => {
      const msg: CpimMessage = {
        from: { uri: 'sip:a@b' },
        to: [],
        cc: [],
        subjects: [],
        namespaces: [],
        headers: [{ name: 'X-Evil', value: 'a\r\nFrom: <sip:mallory@x>' }],
        contentHeaders: [],
        body: Buffer.alloc(0),
      };
      expectHeraldError(() => serializeCpim(msg), 'GW_ERR_CPIM_MALFORMED');
      expectHeraldError(() => formatCpimAddress({ uri: 'sip:a@b> <sip:c@d' }), 'GW_ERR_CPIM_MALFORMED');
    });
  });

  describe('when round-tripping generated messages', () => {
    const text = fc
      .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('\\', '"', '\t', '\n', '\r', '\u0001', '<', '>', ';', '\\u0041')), {
        maxLength: 4,
      })
      .map((parts) => parts.join('').trim())
      .filter((s) => s === s.trim());
    const address = fc.record({ uri: uriArb, displayName: fc.option(text, { nil: undefined }) }).map((a) =>
      a.displayName === undefined ? { uri: a.uri } : a,
    );
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
    const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);
    const message = fc
      .record({
        from: address,
        to: fc.array(address, { maxLength: 3 }),
        cc: fc.array(address, { maxLength: 2 }),
        dateTime: fc.option(fc.constant('2026-11-26T06:14:30Z'), { nil: undefined }),
        subjects: fc.array(
          fc.record({ text, lang: fc.option(fc.constantFrom('en', 'fr', 'pt-BR'), { nil: undefined }) }).map((s) =>
            s.lang === undefined ? { text: s.text } : s,
          ),
          { maxLength: 2 },
        ),
        imdn: fc.array(fc.tuple(fc.constantFrom('Message-ID', 'Disposition-Notification', 'IMDN-Record-Route'), value), { maxLength: 3 }),
        other: fc.array(fc.tuple(token.map((t) => `X-${t}`), value), { maxLength: 3 }),
        contentType: fc.option(fc.constantFrom('text/plain', 'message/imdn+xml', 'application/im-iscomposing+xml'), { nil: undefined }),
        contentHeaders: fc.array(fc.tuple(fc.constantFrom('Content-Disposition', 'Content-ID', 'Content-Transfer-Encoding'), value), {
          maxLength: 2,
        }),
        body: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      })
      .map(
        (g): CpimMessage => ({
          from: g.from,
          to: g.to,
          cc: g.cc,
          dateTime: g.dateTime,
          subjects: g.subjects,
          namespaces: g.imdn.length > 0 ? [{ prefix: 'imdn', uri: IMDN_HEADER_NS }] : [],
          headers: [
            ...g.imdn.map(([n, v]) => ({ name: `imdn.${n}`, value: v, ns: IMDN_HEADER_NS })),
            ...g.other.map(([n, v]) => ({ name: n, value: v })),
          ],
          contentType: g.contentType,
          contentHeaders: g.contentHeaders.map(([n, v]) => ({ name: n, value: v })),
          body: g.body,
        }),
      );

    it('parse(serialize(x)) deep-equals x', () => {
      fc.assert(
        fc.property(message, (msg) => {
          expect(parseCpim(serializeCpim(msg))).toEqual(msg);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });

    it('reads back what LF-only line ends would carry', () => {
      fc.assert(
        fc.property(message, (msg) => {
          const wire = serializeCpim(msg);
          const head = wire.subarray(0, wire.length - msg.body.length).toString('utf8').replace(/\r\n/g, '\n');
          expect(parseCpim(Buffer.concat([Buffer.from(head), msg.body]))).toEqual(msg);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });

    it('reads back any address written by formatCpimAddress', () => {
      fc.assert(
        fc.property(address, (a) => {
          expect(parseCpimAddress(formatCpimAddress(a), 'To')).toEqual(a);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the input is arbitrary', () => {
    it('returns a message or throws a HeraldError, for any bytes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => valueOrHeraldError(() => parseCpim(Buffer.from(b)))), {
        numRuns: FUZZ_RUNS,
      });
    });

    it('returns a message or throws a HeraldError, for header-like text', () => {
      const line = fc.constantFrom('From: <sip:a@b>', 'To: "x" <', 'NS: p <u>', 'p.X: 1', ' folded', '', 'Subject:;lang=', 'DateTime:', 'Content-Type: a/b', ':', 'a\\u12', '\r');
      fc.assert(
        fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (lines, eol) =>
          valueOrHeraldError(() => parseCpim(Buffer.from(lines.join(eol)))),
        ),
        { numRuns: FUZZ_RUNS },
      );
    });
  });
});
