import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looksLikeBounce, textBounceFromMime, type TextBounce } from '../../../src/codecs/bounce-text.js';
import { dsnFromMime, isDeliveryStatusReport } from '../../../src/codecs/dsn.js';
import { parseMimeMessage, type MimePart } from '../../../src/codecs/mime.js';
import { isHeraldError } from '../../../src/errors.js';

const MAIL = join(import.meta.dirname, '..', '..', 'fixtures', 'mail');
const read = (dir: string, name: string): Buffer => readFileSync(join(MAIL, dir, name));

/** What each real bounce must read as (test/fixtures/mail/bounces/expected.json, origins there). */
interface ExpectedBounce {
  readonly action: TextBounce['action'];
  readonly status: string;
  /** A piece of the diagnostic the failed delivery and its IMDN carry. */
  readonly diagnostic?: string;
  /** The returned copy's Message-ID: the correlation key (absent: the notice returns nothing). */
  readonly returnedId?: string;
  readonly origin: string;
}
const EXPECTED = JSON.parse(readFileSync(join(MAIL, 'bounces', 'expected.json'), 'utf8')) as Record<string, ExpectedBounce>;

/**
 * What the gateway reads from a bounce, the way src/email/inbound.ts does: a report with
 * a delivery-status part as a DSN (its first recipient block), falling back to the words
 * when the report is too broken to read; anything else as a bounce in words.
 */
function readBounce(root: MimePart): { action?: string; status?: string; diagnostic?: string; returnedId?: string } | undefined {
  if (isDeliveryStatusReport(root)) {
    try {
      const dsn = dsnFromMime(root);
      const block = dsn.recipients[0];
      return { action: block?.action, status: block?.status, diagnostic: block?.diagnosticCode, returnedId: dsn.originalMessageId };
    } catch (err) {
      if (!isHeraldError(err, 'GW_ERR_DSN_MALFORMED')) throw err;
    }
  } else if (!looksLikeBounce(root)) return undefined;
  const bounce = textBounceFromMime(root);
  return bounce === undefined ? undefined : { action: bounce.action, status: bounce.status, diagnostic: bounce.diagnostic, returnedId: bounce.returnedMessageIds[0] };
}

describe('real-world bounces', () => {
  it('has an expectation for every bounce fixture, and at least 30 of them', () => {
    const files = readdirSync(join(MAIL, 'bounces')).filter((n) => n.endsWith('.eml')).sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const [name, expected] of Object.entries(EXPECTED)) expect([name, typeof expected.origin]).toEqual([name, 'string']);
  });
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`reads ${name} as ${expected.action} ${expected.status} with its diagnostic and returned Message-ID`, () => {
      const read = readBounce(parseMimeMessage(readFileSync(join(MAIL, 'bounces', name))));
      expect(read).toBeDefined();
      expect([name, read?.action, read?.status]).toEqual([name, expected.action, expected.status]);
      if (expected.diagnostic !== undefined) expect(read?.diagnostic).toContain(expected.diagnostic);
      expect(read?.returnedId).toBe(expected.returnedId);
    });
  }
});

describe('textBounceFromMime', () => {
  it('never takes a reply or an out-of-office for a bounce', () => {
    for (const dir of ['good', 'replies', 'auto-replies']) {
      for (const name of readdirSync(join(MAIL, dir)).filter((n) => n.endsWith('.eml'))) {
        expect([name, looksLikeBounce(parseMimeMessage(read(dir, name)))]).toEqual([name, false]);
      }
    }
  });
  it('never correlates by References or In-Reply-To of the returned copy (they name older messages)', () => {
    const raw = 'From: MAILER-DAEMON@mx.test\nSubject: failure notice\n\nI was unable to deliver your message.\n550 5.1.1 no such user\n\n--- Below this line is a copy of the message.\n\nIn-Reply-To: <older@herald.test>\nReferences: <older@herald.test>\nSubject: x\n\nbody\n';
    expect(textBounceFromMime(parseMimeMessage(Buffer.from(raw)))?.returnedMessageIds).toEqual([]);
  });
  it('returns undefined for an automatic notice that says neither failure nor delay', () => {
    const raw = 'From: postmaster@mx.test\nSubject: Your mailbox settings\n\nYour quota settings were changed.\n';
    expect(textBounceFromMime(parseMimeMessage(Buffer.from(raw)))).toBeUndefined();
  });
  it('never throws for arbitrary text bodies (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.constantFrom('failure notice', 'Undeliverable: x', 'hello'), (body, subject) => {
        let root;
        try {
          root = parseMimeMessage(Buffer.from(`From: MAILER-DAEMON@mx.test\r\nSubject: ${subject}\r\n\r\n${body}`));
        } catch (err) {
          expect(isHeraldError(err)).toBe(true);
          return;
        }
        const bounce = textBounceFromMime(root);
        if (bounce !== undefined) expect(bounce.status).toMatch(/^[45]\.\d{1,3}\.\d{1,3}$/);
        expect(typeof looksLikeBounce(root)).toBe('boolean');
      }),
    );
  });
});
