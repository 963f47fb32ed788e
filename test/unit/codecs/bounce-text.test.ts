import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looksLikeBounce, textBounceFromMime, type TextBounce } from '../../../src/codecs/bounce-text.js';
import { parseMimeMessage } from '../../../src/codecs/mime.js';
import { isHeraldError } from '../../../src/errors.js';

const MAIL = join(import.meta.dirname, '..', '..', 'fixtures', 'mail');
const read = (dir: string, name: string): Buffer => readFileSync(join(MAIL, dir, name));

/** What each real bounce (test/fixtures/mail/bounces/README.md) must read as. */
const EXPECTED: Readonly<Record<string, Pick<TextBounce, 'action' | 'status'> & { diagnostic?: RegExp; id?: string }>> = {
  'qmail-failure-notice.eml': { action: 'failed', status: '5.1.1', diagnostic: /^550 5\.1\.1 <userunknown@example\.jp>\.\.\. User Unknown$/, id: '<qmail-returned-4@example.jp>' },
  'exim-no-dsn.eml': { action: 'failed', status: '5.1.1', diagnostic: /^550 5\.1\.1 <kijitora@example\.jp>/, id: '<E1X58pB-0004bW-2s@marutamachi.example.org>' },
  'yahoo-failure-notice.eml': { action: 'failed', status: '5.1.1', diagnostic: /User Unknown \[RCPT_TO\]$/, id: '<6AE6249A-E7A8-4980-862C-F499F6B8E7C5@y.example.co.jp>' },
  'gmail-2010-plain-failure.eml': { action: 'failed', status: '5.7.0', diagnostic: /^554 554 5\.7\.0 Header error/, id: '<CBA48452-0888-4AAC-AA4E-0F54D382117F@gmail.com>' },
  'gmail-2010-plain-delayed.eml': { action: 'delayed', status: '4.0.0', diagnostic: /Connection timed out/, id: '<CBA48452-0888-4AAC-AA4E-0F54D3821180@gmail.example.com>' },
  'exchange2003-did-not-reach.eml': { action: 'failed', status: '5.0.0', diagnostic: /^The recipient name is not recognized$/, id: '<00000000000.ffffffffffff.ff@example.net>' },
  'dragonfly-dma.eml': { action: 'failed', status: '5.7.26', diagnostic: /^550-5\.7\.26 Unauthenticated email .* DMARC policy\./, id: '<66681288.e06d1.3824794@df.example.jp>' },
  'mail2000-returned-mail.eml': { action: 'failed', status: '5.0.0', diagnostic: /\[User unknown\]/, id: '<000000000000000000000000000000000000@example.jp>' },
  'mailmarshal-undeliverable.eml': { action: 'failed', status: '5.1.1', diagnostic: /^550 5\.1\.1 User unknown$/ },
  'mailru-russian-exim.eml': { action: 'failed', status: '5.1.1', id: '<8F3CE2D8-D60E-48C3-B9AF-BED628EE2CA5@mail.example.ru>' },
  'sendmail-warning-delayed.eml': { action: 'delayed', status: '4.0.0', diagnostic: /Deferred: Connection timed out/, id: '<201202092058.q19Kw0Wp003601@mail.example.org>' },
  'domino-dsn-japanese.eml': { action: 'failed', status: '5.0.0', id: '<0000000000.00000000-0000000000.00000000-00000000.00000000@example.co.jp>' },
  'messagelabs-one-block-unindented.eml': { action: 'failed', status: '5.0.0', diagnostic: /^550-Please turn on SMTP Authentication/, id: '<000000000222.0000.0000000000000000202@NEKO.NYAAN>' },
  'sendgrid-no-reporting-mta.eml': { action: 'failed', status: '5.1.1', id: '<F9B4AEED-722D-47FD-929E-3625AF2161BB@example.jp>' },
};

describe('textBounceFromMime', () => {
  it('has an expectation for every bounce fixture', () => {
    expect(readdirSync(join(MAIL, 'bounces')).filter((n) => n.endsWith('.eml')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const [name, expected] of Object.entries(EXPECTED)) {
    describe(`when given ${name}`, () => {
      const root = parseMimeMessage(read('bounces', name));
      it('is told apart from a reply', () => {
        expect(looksLikeBounce(root)).toBe(true);
      });
      it(`reads ${expected.action} ${expected.status}, the diagnostic and the returned Message-ID`, () => {
        const bounce = textBounceFromMime(root);
        expect(bounce).toMatchObject({ action: expected.action, status: expected.status });
        if (expected.diagnostic !== undefined) expect(bounce?.diagnostic).toMatch(expected.diagnostic);
        if (expected.id !== undefined) expect(bounce?.returnedMessageIds[0]).toBe(expected.id);
      });
    });
  }
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
