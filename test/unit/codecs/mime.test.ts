import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import {
  decodeCharset,
  decodeEncodedWords,
  decodeQuotedPrintable,
  decodeTransferEncoding,
  encodeEncodedWords,
  foldHeader,
  headerValue,
  headerValues,
  normalizeMessageId,
  parseContentType,
  parseHeaderSection,
  parseMimeMessage,
  partText,
  walkParts,
  type MimePart,
} from '../../../src/codecs/mime.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const fixture = (path: string): Buffer => readFileSync(join(FIXTURES, path));
const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isHeraldError(err) ? err.code : `not a HeraldError: ${String(err)}`;
  }
  return 'no error';
}

function limitOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return isHeraldError(err) ? err.meta['limit'] : undefined;
  }
  return undefined;
}

function nested(depth: number): string {
  let body = 'Content-Type: text/plain\n\nleaf\n';
  for (let i = 0; i < depth; i++) {
    body = `Content-Type: multipart/mixed; boundary="b${i}"\n\n--b${i}\n${body}--b${i}--\n`;
  }
  return `From: a@example.test\nMIME-Version: 1.0\n${body}`;
}

describe('parseMimeMessage', () => {
  describe('when given a real Postfix DSN', () => {
    const root = parseMimeMessage(fixture('dsn/good/postfix-failed-5.1.1.eml'));

    it('reads the multipart/report with its report-type and three parts', () => {
      expect(root.contentType.mediaType).toBe('multipart/report');
      expect(root.contentType.params['report-type']).toBe('delivery-status');
      expect(root.parts.map((p) => p.contentType.mediaType)).toEqual([
        'text/plain',
        'message/delivery-status',
        'text/rfc822-headers',
      ]);
    });

    it('unfolds the folded Content-Type and Received headers', () => {
      expect(headerValue(root.headers, 'content-type')).toContain('delivery-status;\tboundary=');
      expect(headerValues(root.headers, 'received')).toHaveLength(2);
    });

    it('keeps part bodies byte-exact without the line break before the delimiter', () => {
      const status = root.parts[1] as MimePart;
      expect(status.body.toString('latin1').startsWith('Reporting-MTA: dns; mail.herald.test\n')).toBe(true);
      expect(status.body.toString('latin1').endsWith('nobody@example.test\n')).toBe(true);
      expect(status.depth).toBe(1);
    });
  });

  describe('when the same message has CRLF line ends', () => {
    it('produces the same structure and header values', () => {
      const lf = parseMimeMessage(fixture('dsn/good/postfix-delivered.eml'));
      const viaCrlf = parseMimeMessage(crlf(fixture('dsn/good/postfix-delivered.eml').toString('utf8')));
      expect(viaCrlf.parts.map((p) => p.contentType.mediaType)).toEqual(lf.parts.map((p) => p.contentType.mediaType));
      expect(viaCrlf.headers).toEqual(lf.headers);
      expect(partText(viaCrlf.parts[1] as MimePart).replace(/\r\n/g, '\n')).toBe(partText(lf.parts[1] as MimePart));
    });
  });

  describe('when a part is message/rfc822', () => {
    it('parses the encapsulated message, whose parts are reachable only on request', () => {
      const root = parseMimeMessage(fixture('dsn/good/postfix-failed-two-recipients-ret-full.eml'));
      const returned = root.parts[2] as MimePart;
      expect(returned.contentType.mediaType).toBe('message/rfc822');
      expect(returned.message?.depth).toBe(2);
      expect(partText(returned.message as MimePart)).toBe('Grüße\n');
      expect([...walkParts(root)]).toHaveLength(4);
      expect([...walkParts(root, true)]).toHaveLength(5);
    });

    it('keeps the report when the enclosed message is malformed', () => {
      const raw = crlf(
        'From: a@example.test\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: message/rfc822\n\nno colon here\n--x--\n',
      );
      const root = parseMimeMessage(raw);
      expect(root.parts[0]?.message).toBeUndefined();
    });
  });

  describe('when bodies are transfer-encoded', () => {
    it('decodes base64 and quoted-printable, and charset-decodes latin1 text', () => {
      const root = parseMimeMessage(fixture('mail/good/outlook-reply-original-message.eml'));
      const plain = root.parts[0] as MimePart;
      expect(plain.transferEncoding).toBe('quoted-printable');
      expect(partText(plain)).toContain('Grüße');
      const apple = parseMimeMessage(fixture('mail/good/apple-mail-reply-html-blockquote.eml'));
      expect(partText(apple)).toContain('<blockquote type="cite">');
    });
  });

  describe('when the multipart has a preamble, an epilogue and a delimiter lookalike', () => {
    it('ignores preamble and epilogue and only splits on whole delimiter lines', () => {
      const raw = crlf(
        'Content-Type: multipart/mixed; boundary="b"\n\npreamble\n--b\n\none\n--bnot a delimiter\n--b \n\ntwo\n--b--\nepilogue\n',
      );
      const root = parseMimeMessage(raw);
      expect(root.parts.map((p) => partText(p))).toEqual(['one\r\n--bnot a delimiter', 'two']);
    });
  });

  describe('when the close delimiter is missing', () => {
    it('lets the last part run to the end of the message', () => {
      const root = parseMimeMessage(crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n'));
      expect(root.parts.map((p) => partText(p))).toEqual(['one', 'two\r\n']);
    });
  });

  describe('when the input is a bad fixture', () => {
    const dir = join(FIXTURES, 'mail', 'bad');
    for (const name of readdirSync(dir)) {
      it(`rejects ${name} with GW_ERR_MIME_MALFORMED`, () => {
        expect(codeOf(() => parseMimeMessage(readFileSync(join(dir, name))))).toBe('GW_ERR_MIME_MALFORMED');
      });
    }

    it('rejects an empty message', () => {
      expect(codeOf(() => parseMimeMessage(Buffer.from('\r\n  \r\n')))).toBe('GW_ERR_MIME_MALFORMED');
    });
  });

  describe('when a limit is exceeded', () => {
    it('refuses a message larger than maxMessageBytes', () => {
      const raw = fixture('dsn/good/postfix-delivered.eml');
      expect(limitOf(() => parseMimeMessage(raw, { maxMessageBytes: 100 }))).toBe('maxMessageBytes');
    });

    it('refuses nesting deeper than maxDepth', () => {
      expect(() => parseMimeMessage(Buffer.from(nested(4)), { maxDepth: 4 })).not.toThrow();
      expect(limitOf(() => parseMimeMessage(Buffer.from(nested(5)), { maxDepth: 4 }))).toBe('maxDepth');
      expect(limitOf(() => parseMimeMessage(Buffer.from(nested(40))))).toBe('maxDepth');
    });

    it('refuses more parts than maxParts', () => {
      const parts = Array.from({ length: 10 }, (_, i) => `--b\n\npart ${i}\n`).join('');
      const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=b\n\n${parts}--b--\n`);
      expect(limitOf(() => parseMimeMessage(raw, { maxParts: 5 }))).toBe('maxParts');
    });

    it('refuses too many header fields or too large a header section', () => {
      const many = Array.from({ length: 20 }, (_, i) => `X-H${i}: v`).join('\n');
      expect(limitOf(() => parseMimeMessage(Buffer.from(`${many}\n\nbody`), { maxHeaderFields: 10 }))).toBe(
        'maxHeaderFields',
      );
      expect(
        limitOf(() => parseMimeMessage(Buffer.from(`Subject: ${'x'.repeat(2000)}\n\nbody`), { maxHeaderBytes: 1000 })),
      ).toBe('maxHeaderBytes');
    });

    it('still refuses a limit breach inside an encapsulated message', () => {
      const raw = Buffer.from(`Content-Type: message/rfc822\n\n${nested(10)}`);
      expect(limitOf(() => parseMimeMessage(raw, { maxDepth: 5 }))).toBe('maxDepth');
    });
  });

  describe('when given arbitrary bytes', () => {
    it('returns a part tree or throws GW_ERR_MIME_MALFORMED, nothing else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
          try {
            parseMimeMessage(bytes);
          } catch (err) {
            return isHeraldError(err, 'GW_ERR_MIME_MALFORMED');
          }
          return true;
        }),
        { numRuns: 500 },
      );
    });

    it('survives arbitrary MIME-shaped text built from structural fragments', () => {
      const fragment = fc.constantFrom(
        'Content-Type: multipart/mixed; boundary=b\n',
        'Content-Type: message/rfc822\n',
        'Content-Transfer-Encoding: base64\n',
        'Content-Transfer-Encoding: quoted-printable\n',
        'Subject: =?utf-8?B?w6k=?= =?utf-8?q?=C3=A9?=\n',
        '\n',
        '--b\n',
        '--b--\n',
        '=\n',
        ' folded\n',
        'x: y\n',
        'no colon\n',
      );
      fc.assert(
        fc.property(fc.array(fragment, { maxLength: 40 }), (pieces) => {
          try {
            parseMimeMessage(Buffer.from(pieces.join('')));
          } catch (err) {
            return isHeraldError(err, 'GW_ERR_MIME_MALFORMED');
          }
          return true;
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('parseHeaderSection', () => {
  describe('when fields are folded', () => {
    it('unfolds by removing only the line breaks', () => {
      const headers = parseHeaderSection('Subject: one\r\n two\r\n\tthree\r\nTo: x@y\r\n');
      expect(headers).toEqual([
        { name: 'Subject', value: 'one two\tthree' },
        { name: 'To', value: 'x@y' },
      ]);
    });
  });

  describe('when a value has raw 8-bit bytes', () => {
    it('reads valid UTF-8 as UTF-8 (RFC 6532) and anything else as latin1', () => {
      expect(parseHeaderSection(Buffer.from('Subject: Grüße\n', 'utf8'))[0]?.value).toBe('Grüße');
      expect(parseHeaderSection(Buffer.from('Subject: Grüße\n', 'latin1'))[0]?.value).toBe('Grüße');
    });
  });

  describe('when the section starts with an mbox From_ line', () => {
    it('skips it', () => {
      expect(parseHeaderSection('From MAILER-DAEMON Thu Nov 26 07:23:32 2026\nFrom: a@b\n')).toEqual([
        { name: 'From', value: 'a@b' },
      ]);
    });
  });
});

describe('foldHeader', () => {
  describe('when the value is long', () => {
    it('keeps lines within the width and unfolds back to the same value', () => {
      const value = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
      const folded = foldHeader('Subject', value);
      expect(folded.split('\r\n').every((l) => l.length <= 78)).toBe(true);
      expect(parseHeaderSection(folded)[0]?.value).toBe(value);
    });
  });

  describe('when the value carries CR or LF', () => {
    it('cannot start a new header field', () => {
      const folded = foldHeader('Subject', 'hi\r\nBcc: victim@example.test');
      expect(parseHeaderSection(folded)).toHaveLength(1);
    });
  });

  describe('for any printable ASCII value', () => {
    it('round-trips through folding and unfolding', () => {
      const word = fc.stringMatching(/^[\x21-\x7e]{1,20}$/);
      fc.assert(
        fc.property(fc.array(word, { minLength: 1, maxLength: 30 }), fc.constantFrom(' ', '  ', '\t'), (words, sep) => {
          const value = words.join(sep);
          return parseHeaderSection(foldHeader('X-Test', value))[0]?.value === value;
        }),
      );
    });
  });
});

describe('decodeEncodedWords', () => {
  describe('when words are Q or B encoded', () => {
    it('decodes both and any charset label', () => {
      expect(decodeEncodedWords('=?UTF-8?Q?Caf=C3=A9_at_noon=3F?=')).toBe('Café at noon?');
      expect(decodeEncodedWords('=?utf-8?b?R3LDvMOfZSBhdXMgSGVyYWxk?=')).toBe('Grüße aus Herald');
      expect(decodeEncodedWords('=?iso-8859-1?q?R=E9ponse?=')).toBe('Réponse');
      expect(decodeEncodedWords('=?utf-8*en?q?hi?=')).toBe('hi');
    });
  });

  describe('when encoded words are adjacent', () => {
    it('drops the whitespace between them but keeps it next to plain text', () => {
      expect(decodeEncodedWords('=?utf-8?q?a?= =?utf-8?q?b?=')).toBe('ab');
      expect(decodeEncodedWords('x =?utf-8?q?a?= y')).toBe('x a y');
    });

    it('joins a multi-byte character split across two words', () => {
      expect(decodeEncodedWords('=?utf-8?B?ww==?= =?utf-8?B?qQ==?=')).toBe('é');
      expect(decodeEncodedWords('=?utf-8?Q?=C3?= =?utf-8?Q?=A9?=')).toBe('é');
    });
  });

  describe('when a word is malformed', () => {
    it('leaves it as written', () => {
      expect(decodeEncodedWords('=?utf-8?B?###?=')).toBe('=?utf-8?B?###?=');
    });
  });

  describe('for any Unicode text', () => {
    it('round-trips through encodeEncodedWords and a folded header', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
          const value = text.trim();
          const folded = foldHeader('Subject', encodeEncodedWords(value));
          const unfolded = parseHeaderSection(Buffer.from(folded, 'utf8'))[0]?.value ?? '';
          return decodeEncodedWords(unfolded) === value;
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('parseContentType', () => {
  describe('when parameters are quoted, commented or RFC 2231-encoded', () => {
    it('returns lower-case names and decoded values', () => {
      const ct = parseContentType(
        `Multipart/Report; Report-Type="delivery-status" (comment); boundary="a;b"; title*0*=utf-8''Gr%C3%BC; title*1="sse"`,
      );
      expect(ct.mediaType).toBe('multipart/report');
      expect(ct.params).toEqual({ 'report-type': 'delivery-status', boundary: 'a;b', title: 'Grüsse' });
    });
  });

  describe('when the header is missing or unparsable', () => {
    it('defaults to text/plain; charset=us-ascii (RFC 2045 §5.2)', () => {
      expect(parseContentType(undefined).params['charset']).toBe('us-ascii');
      expect(parseContentType('garbage').mediaType).toBe('text/plain');
    });
  });
});

describe('decodeQuotedPrintable', () => {
  describe('when lines have soft breaks, trailing blanks and stray equals signs', () => {
    it('joins soft breaks, drops trailing blanks and keeps bad escapes literally', () => {
      expect(decodeQuotedPrintable(Buffer.from('a=\r\nb  \r\n=3D=ZZ=4')).toString('latin1')).toBe('ab\r\n==ZZ=4');
    });
  });
});

describe('decodeTransferEncoding', () => {
  describe('when the encoding is unknown or identity', () => {
    it('returns the bytes unchanged', () => {
      expect(decodeTransferEncoding(Buffer.from('abc'), 'x-uuencode').toString()).toBe('abc');
      expect(decodeTransferEncoding(Buffer.from('YWJj\r\n'), 'BASE64').toString()).toBe('abc');
    });
  });
});

describe('decodeCharset', () => {
  describe('when the charset is latin1, us-ascii, utf-8 or unknown', () => {
    it('decodes the first three and falls back to UTF-8 for the last', () => {
      expect(decodeCharset(Buffer.from([0xe9]), 'ISO-8859-1')).toBe('é');
      expect(decodeCharset(Buffer.from('abc'), 'us-ascii')).toBe('abc');
      expect(decodeCharset(Buffer.from('é', 'utf8'), '"utf-8"')).toBe('é');
      expect(decodeCharset(Buffer.from('é', 'utf8'), 'x-unknown-charset')).toBe('é');
    });
  });
});

describe('normalizeMessageId', () => {
  describe('when the value has angle brackets, comments or none', () => {
    it('returns the <id> form or undefined', () => {
      expect(normalizeMessageId(' <a@b> (comment)')).toBe('<a@b>');
      expect(normalizeMessageId('a@b')).toBe('<a@b>');
      expect(normalizeMessageId('not an id')).toBeUndefined();
      expect(normalizeMessageId(undefined)).toBeUndefined();
    });
  });
});
