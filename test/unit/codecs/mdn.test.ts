import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { parseMimeMessage } from '../../../src/codecs/mime.js';
import {
  isDispositionNotification,
  parseDisposition,
  parseDispositionNotification,
  parseMdn,
} from '../../../src/codecs/mdn.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'mdn');
const fixture = (path: string): Buffer => readFileSync(join(FIXTURES, path));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isHeraldError(err) ? err.code : `not a HeraldError: ${String(err)}`;
  }
  return 'no error';
}

describe('parseMdn', () => {
  describe('when given the real Claws Mail "displayed" MDN', () => {
    const mdn = parseMdn(fixture('good/claws-mail-displayed.eml'));

    it('reads the manual displayed disposition and the original Message-ID', () => {
      expect(mdn.disposition).toEqual({
        actionMode: 'manual-action',
        sendingMode: 'MDN-sent-manually',
        type: 'displayed',
        modifiers: [],
      });
      expect(mdn.originalMessageId).toBe('<mdnreq-c1795674424@example.test>');
    });

    it('reads the recipients and the reporting user agent', () => {
      expect(mdn.finalRecipient).toBe('carol@example.test');
      expect(mdn.finalRecipientType).toBe('rfc822');
      expect(mdn.originalRecipient).toBe('carol@example.test');
      expect(mdn.reportingUa).toBe('Claws Mail 4.1.1');
      expect(mdn.errors).toEqual([]);
    });

    it('ignores the second application/octet-stream copy Claws attaches', () => {
      expect(mdn.returnedHeaders).toEqual([]);
    });
  });

  describe('when given a real Dovecot Sieve reject (RFC 5429)', () => {
    const mdn = parseMdn(fixture('good/dovecot-sieve-reject-deleted.eml'));

    it('reads an automatic "deleted" disposition', () => {
      expect(mdn.disposition).toMatchObject({
        actionMode: 'automatic-action',
        sendingMode: 'MDN-sent-automatically',
        type: 'deleted',
      });
      expect(mdn.finalRecipient).toBe('rejecter@example.test');
      expect(mdn.reportingUa).toBe('mail.herald.test; Dovecot Mail Delivery Agent');
    });

    it('returns the headers of the rejected message', () => {
      expect(mdn.originalMessageId).toBe('<fx-sieve-reject-1@herald.test>');
      expect(mdn.returnedHeaders.find((h) => h.name === 'Message-ID')?.value).toBe('<fx-sieve-reject-1@herald.test>');
    });
  });

  describe('when given a Thunderbird-style MDN with mixed case and a modifier', () => {
    const mdn = parseMdn(fixture('good/thunderbird-dispatched-error-modifier.eml'));

    it('normalises the modes, reads the modifier and the Error field', () => {
      expect(mdn.disposition).toEqual({
        actionMode: 'manual-action',
        sendingMode: 'MDN-sent-manually',
        type: 'dispatched',
        modifiers: ['error'],
      });
      expect(mdn.errors).toEqual(['forwarding address unreachable']);
      expect(mdn.returnedHeaders.find((h) => h.name === 'Subject')?.value).toBe('Hello');
    });
  });

  describe('when an older client (KMime) sends RFC 3798\'s `denied`', () => {
    it('reads it instead of discarding it as malformed', () => {
      const mdn = parseMdn(fixture('good/kmime-style-rfc3798-denied.eml'));
      expect(mdn.disposition).toMatchObject({ type: 'denied', actionMode: 'manual-action', sendingMode: 'MDN-sent-manually' });
      expect(mdn.originalMessageId).toBe('<a@herald.test>');
    });
  });

  describe('when the MDN is defective', () => {
    const expected: Record<string, string> = {
      'disposition-without-sending-mode.eml': 'GW_ERR_MDN_MALFORMED',
      'missing-disposition.eml': 'GW_ERR_MDN_MALFORMED',
      'missing-final-recipient.eml': 'GW_ERR_MDN_MALFORMED',
      'no-notification-part.eml': 'GW_ERR_MDN_MALFORMED',
      'unknown-action-mode.eml': 'GW_ERR_MDN_MALFORMED',
    };

    it('has an expectation for every bad fixture', () => {
      expect(readdirSync(join(FIXTURES, 'bad')).sort()).toEqual(Object.keys(expected).sort());
    });

    for (const [name, code] of Object.entries(expected)) {
      it(`rejects ${name} with ${code}`, () => {
        expect(codeOf(() => parseMdn(fixture(`bad/${name}`)))).toBe(code);
      });
    }

    it('rejects a message that is not MIME at all with GW_ERR_MIME_MALFORMED', () => {
      expect(codeOf(() => parseMdn(Buffer.from('not a message')))).toBe('GW_ERR_MIME_MALFORMED');
    });
  });

  describe('when given arbitrary bytes', () => {
    it('returns an MDN or throws a MIME/MDN HeraldError, nothing else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
          try {
            parseMdn(bytes);
          } catch (err) {
            return isHeraldError(err, 'GW_ERR_MIME_MALFORMED') || isHeraldError(err, 'GW_ERR_MDN_MALFORMED');
          }
          return true;
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('parseDisposition', () => {
  describe('when the field has extra whitespace and comments', () => {
    it('parses it', () => {
      expect(parseDisposition(' automatic-action / MDN-sent-automatically (by Sieve) ; processed / error , x-foo ')).toEqual({
        actionMode: 'automatic-action',
        sendingMode: 'MDN-sent-automatically',
        type: 'processed',
        modifiers: ['error', 'x-foo'],
      });
    });
  });

  describe('for any combination of valid keywords in any case', () => {
    it('parses to the canonical values', () => {
      const keyword = (s: string): fc.Arbitrary<string> =>
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((flags) =>
          [...s].map((c, i) => (flags[i] === true ? c.toUpperCase() : c.toLowerCase())).join(''),
        );
      const action = fc.constantFrom('manual-action', 'automatic-action');
      const sending = fc.constantFrom('MDN-sent-manually', 'MDN-sent-automatically');
      const type = fc.constantFrom('displayed', 'deleted', 'dispatched', 'processed');
      fc.assert(
        fc.property(
          action.chain((a) => keyword(a).map((k) => [a, k] as const)),
          sending.chain((s) => keyword(s).map((k) => [s, k] as const)),
          type.chain((t) => keyword(t).map((k) => [t, k] as const)),
          ([a, ak], [s, sk], [t, tk]) => {
            const d = parseDisposition(`${ak}/${sk}; ${tk}`);
            return d.actionMode === a && d.sendingMode === s && d.type === t;
          },
        ),
      );
    });
  });

  describe('when a keyword is unknown', () => {
    it('throws GW_ERR_MDN_MALFORMED', () => {
      expect(codeOf(() => parseDisposition('manual-action/MDN-sent-manually; failed'))).toBe('GW_ERR_MDN_MALFORMED');
      expect(codeOf(() => parseDisposition('manual-action/MDN-sent-by-carrier-pigeon; displayed'))).toBe(
        'GW_ERR_MDN_MALFORMED',
      );
      expect(codeOf(() => parseDisposition('displayed'))).toBe('GW_ERR_MDN_MALFORMED');
    });
  });
});

describe('parseDispositionNotification', () => {
  describe('when the fields carry a stray blank line', () => {
    it('reads them as one group', () => {
      const n = parseDispositionNotification(
        'Final-Recipient: rfc822; bob@example.test\n\nOriginal-Message-ID: <x@y>\nDisposition: manual-action/MDN-sent-manually; displayed\n',
      );
      expect(n.originalMessageId).toBe('<x@y>');
    });
  });
});

describe('isDispositionNotification', () => {
  describe('when the message is an MDN or a DSN', () => {
    it('tells them apart', () => {
      expect(isDispositionNotification(parseMimeMessage(fixture('good/claws-mail-displayed.eml')))).toBe(true);
      const dsn = readFileSync(join(FIXTURES, '..', 'dsn', 'good', 'postfix-delivered.eml'));
      expect(isDispositionNotification(parseMimeMessage(dsn))).toBe(false);
    });
  });
});
