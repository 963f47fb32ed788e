import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { DSN_MAX_RECIPIENTS, isDeliveryStatusReport, parseDeliveryStatus, parseDsn } from '../../../src/codecs/dsn.js';
import { parseMimeMessage } from '../../../src/codecs/mime.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'dsn');
const fixture = (path: string): Buffer => readFileSync(join(FIXTURES, path));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isHeraldError(err) ? err.code : `not a HeraldError: ${String(err)}`;
  }
  return 'no error';
}

describe('parseDsn', () => {
  describe('when given a real Postfix success DSN (NOTIFY=SUCCESS, LMTP flags=X)', () => {
    const dsn = parseDsn(fixture('good/postfix-delivered.eml'));

    it('reads the per-message fields, ENVID first', () => {
      expect(dsn.reportingMta).toBe('mail.herald.test');
      expect(dsn.reportingMtaType).toBe('dns');
      expect(dsn.originalEnvelopeId).toBe('fx-delivered-1');
      expect(dsn.arrivalDate).toBe('Thu, 26 Nov 2026 07:25:25 +0000 (UTC)');
    });

    it('reads one delivered recipient with its remote MTA and diagnostic', () => {
      expect(dsn.recipients).toHaveLength(1);
      expect(dsn.recipients[0]).toMatchObject({
        finalRecipient: 'alice@example.test',
        finalRecipientType: 'rfc822',
        originalRecipient: 'alice@example.test',
        action: 'delivered',
        status: '2.0.0',
        statusClass: 2,
        remoteMta: '127.0.0.1',
        diagnosticCodeType: 'smtp',
      });
      expect(dsn.recipients[0]?.diagnosticCode).toMatch(/^250 2\.0\.0 <alice@example\.test> \S+ Saved$/);
    });

    it('returns the original headers from the text/rfc822-headers part', () => {
      expect(dsn.originalMessageId).toBe('<fx-delivered-1@herald.test>');
      expect(dsn.originalSubject).toBe('Hello fx-delivered-1');
      expect(dsn.returnedHeaders.find((h) => h.name === 'Return-Path')?.value).toBe('<bounces@herald.test>');
      expect(dsn.humanReadable).toContain('successfully delivered');
    });

    it('keeps extension fields such as X-Postfix-Queue-ID', () => {
      expect(dsn.messageFields.some((f) => f.name === 'X-Postfix-Queue-ID')).toBe(true);
    });
  });

  describe('when given a real Postfix failure DSN for an unknown user', () => {
    const dsn = parseDsn(fixture('good/postfix-failed-5.1.1.eml'));

    it('reads failed 5.1.1 with the unfolded diagnostic on one line', () => {
      expect(dsn.originalEnvelopeId).toBe('fx-failed-1');
      expect(dsn.recipients[0]).toMatchObject({
        finalRecipient: 'nobody@example.test',
        action: 'failed',
        status: '5.1.1',
        statusClass: 5,
        diagnosticCode: "550 5.1.1 <nobody@example.test> User doesn't exist: nobody@example.test",
      });
      expect(dsn.originalMessageId).toBe('<fx-failed-1@herald.test>');
    });
  });

  describe('when one DSN covers two recipients and returns the full message (RET=FULL)', () => {
    const dsn = parseDsn(fixture('good/postfix-failed-two-recipients-ret-full.eml'));

    it('reads both recipient blocks and the encoded Subject of the returned message', () => {
      expect(dsn.recipients.map((r) => r.finalRecipient)).toEqual(['ghost1@example.test', 'ghost2@example.test']);
      expect(dsn.recipients.every((r) => r.action === 'failed' && r.status === '5.1.1')).toBe(true);
      expect(dsn.originalSubject).toBe('Grüße aus Herald');
      expect(dsn.originalMessageId).toBe('<fx-failed-multi@herald.test>');
    });
  });

  describe('when given an Exim DSN with returned headers only', () => {
    const dsn = parseDsn(fixture('good/exim-failed-returned-headers.eml'));

    it('reads Original-Envelope-ID regardless of case and the generic 5.0.0 status', () => {
      expect(dsn.originalEnvelopeId).toBe('01JE4ZK3Q7YV8T2M');
      expect(dsn.recipients[0]).toMatchObject({
        finalRecipient: 'nosuchuser@example.org',
        action: 'failed',
        status: '5.0.0',
        remoteMta: 'mx2.example.org',
      });
      expect(dsn.originalSubject).toBe('Café at noon?');
      expect(dsn.originalMessageId).toBe('<01JE4ZK3Q7YV8T2M@herald.test>');
    });
  });

  describe('when given a Gmail DSN whose human part is nested related/alternative', () => {
    const dsn = parseDsn(fixture('good/gmail-failed-nested-alternative.eml'));

    it('reads the report, the last attempt date and the returned message', () => {
      expect(dsn.reportingMta).toBe('googlemail.com');
      expect(dsn.originalEnvelopeId).toBeUndefined();
      expect(dsn.recipients[0]?.status).toBe('5.1.1');
      expect(dsn.recipients[0]?.lastAttemptDate).toBe('Sun, 15 Dec 2024 04:43:13 -0800 (PST)');
      expect(dsn.recipients[0]?.diagnosticCode).toContain('does not exist. Please try');
      expect(dsn.originalMessageId).toBe('<01JF5GM2.b7c9@herald.test>');
      expect(dsn.humanReadable).toContain('Address not found');
    });
  });

  describe('when the report is base64-encoded, wrapped in multipart/mixed, with CRLF', () => {
    const dsn = parseDsn(fixture('good/delayed-base64-status-wrapped-in-mixed-crlf.eml'));

    it('still finds and decodes the delivery-status part', () => {
      expect(dsn.originalEnvelopeId).toBe('herald-delivery-42');
      expect(dsn.recipients[0]).toMatchObject({
        action: 'delayed',
        status: '4.4.1',
        statusClass: 4,
        diagnosticCodeType: 'x-postfix',
        willRetryUntil: 'Thu, 05 Dec 2024 08:00:00 +0000',
      });
      expect(dsn.returnedHeaders).toEqual([]);
    });
  });

  describe('when every good fixture is converted to CRLF', () => {
    for (const name of readdirSync(join(FIXTURES, 'good'))) {
      it(`parses ${name} to the same recipients`, () => {
        const lf = parseDsn(fixture(`good/${name}`));
        const viaCrlf = parseDsn(Buffer.from(fixture(`good/${name}`).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'));
        expect(viaCrlf.recipients.map((r) => [r.finalRecipient, r.action, r.status])).toEqual(
          lf.recipients.map((r) => [r.finalRecipient, r.action, r.status]),
        );
        expect(viaCrlf.originalEnvelopeId).toBe(lf.originalEnvelopeId);
      });
    }
  });

  describe('when the DSN is defective', () => {
    const expected: Record<string, string> = {
      'missing-final-recipient.eml': 'GW_ERR_DSN_MALFORMED',
      'no-delivery-status-part.eml': 'GW_ERR_DSN_MALFORMED',
      'no-recipient-blocks.eml': 'GW_ERR_DSN_MALFORMED',
      'status-fields-not-headers.eml': 'GW_ERR_DSN_MALFORMED',
      'unknown-action-bounced.eml': 'GW_ERR_DSN_MALFORMED',
      'report-without-boundary.eml': 'GW_ERR_MIME_MALFORMED',
    };

    it('has an expectation for every bad fixture', () => {
      expect(readdirSync(join(FIXTURES, 'bad')).sort()).toEqual(Object.keys(expected).sort());
    });

    for (const [name, code] of Object.entries(expected)) {
      it(`rejects ${name} with ${code}`, () => {
        expect(codeOf(() => parseDsn(fixture(`bad/${name}`)))).toBe(code);
      });
    }
  });

  describe('when given arbitrary bytes', () => {
    it('returns a DSN or throws a MIME/DSN HeraldError, nothing else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
          try {
            parseDsn(bytes);
          } catch (err) {
            return isHeraldError(err, 'GW_ERR_MIME_MALFORMED') || isHeraldError(err, 'GW_ERR_DSN_MALFORMED');
          }
          return true;
        }),
        { numRuns: 500 },
      );
    });

    it('never throws anything else for arbitrary delivery-status bodies inside a valid report', () => {
      const line = fc.oneof(
        fc.constantFrom(
          'Reporting-MTA: dns; x',
          'Final-Recipient: rfc822; a@b',
          'Action: failed',
          'Action: delivered (comment)',
          'Status: 5.1.1',
          'Status: 9.9.9',
          'Diagnostic-Code: smtp; 550',
          ' continued',
          '',
          'garbage',
        ),
        fc.string({ maxLength: 30 }),
      );
      fc.assert(
        fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
          const raw = Buffer.from(
            `Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n${lines.join('\n')}\n--b--\n`,
          );
          try {
            const dsn = parseDsn(raw);
            return dsn.recipients.length > 0 && dsn.recipients.every((r) => /^[245]\.\d+\.\d+$/.test(r.status));
          } catch (err) {
            return isHeraldError(err, 'GW_ERR_MIME_MALFORMED') || isHeraldError(err, 'GW_ERR_DSN_MALFORMED');
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('parseDsn on real DSNs that bend RFC 3464 (issue 17 item 2)', () => {
  const mail = (name: string): Buffer => readFileSync(join(FIXTURES, '..', 'mail', 'bounces', name));
  it('reads MessageLabs: one block for everything, a Diagnostic-Code wrapped without indentation', () => {
    const dsn = parseDsn(mail('messagelabs-one-block-unindented.eml'));
    expect(dsn.reportingMta).toBe('server-0.bemta-0.messagelabs.com');
    expect(dsn.recipients).toHaveLength(1);
    expect(dsn.recipients[0]).toMatchObject({ finalRecipient: 'kijitora@example.messagelabs.com', action: 'failed', status: '5.0.0' });
    expect(dsn.recipients[0]?.diagnosticCode).toMatch(/^550-Please turn on SMTP Authentication .* 550 relay through this server without authentication\.$/);
    expect(dsn.originalMessageId).toBe('<000000000222.0000.0000000000000000202@NEKO.NYAAN>');
  });
  it('reads SendGrid: no Reporting-MTA, a Diagnostic-Code without a type', () => {
    const dsn = parseDsn(mail('sendgrid-no-reporting-mta.eml'));
    expect(dsn.reportingMta).toBe('');
    expect(dsn.recipients[0]).toMatchObject({ finalRecipient: 'kijitora@example.jp', action: 'failed', status: '5.1.1', diagnosticCode: '550 5.1.1 <kijitora@example.jp>... User Unknown' });
    expect(dsn.originalMessageId).toBe('<F9B4AEED-722D-47FD-929E-3625AF2161BB@example.jp>');
  });
  it('reads Domino: a UTF-8 X-Notes diagnostic folded over lines', () => {
    const dsn = parseDsn(mail('domino-dsn-japanese.eml'));
    expect(dsn.recipients[0]).toMatchObject({ action: 'failed', status: '5.0.0', diagnosticCodeType: 'x-notes' });
    expect(dsn.recipients[0]?.diagnosticCode).toContain('Domino ディレクトリ には見つかりません');
  });
  it('reads Mimecast/AOL `Field : value` fields and derives Action from the status class', () => {
    const status = parseDeliveryStatus('Reporting-MTA : dns; mx.mimecast.test\r\nFinal-Recipient : rfc822; bob@example.test\r\nStatus : 5.1.1\r\nDiagnostic-Code : smtp; 550 5.1.1 no such user\r\n');
    expect(status.reportingMta).toBe('mx.mimecast.test');
    expect(status.recipients[0]).toMatchObject({ finalRecipient: 'bob@example.test', action: 'failed', status: '5.1.1', diagnosticCode: '550 5.1.1 no such user' });
  });
  it('reads an SMTP reply code as the status class only when Action agrees, and still refuses an unknown Action', () => {
    expect(parseDeliveryStatus('Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@b.test\nAction: failed\nStatus: 550\n').recipients[0]?.status).toBe('5.0.0');
    expect(codeOf(() => parseDeliveryStatus('Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@b.test\nAction: bounced\n'))).toBe('GW_ERR_DSN_MALFORMED');
  });
});

describe('parseDeliveryStatus', () => {
  describe('when blocks are separated by extra blank or whitespace-only lines', () => {
    it('still finds one per-message and one per-recipient group', () => {
      const status = parseDeliveryStatus(
        '\nReporting-MTA: dns; x\n\n \n\nFinal-Recipient: rfc822;a@b\nAction: Failed\nStatus: 5.7.1 (denied)\n\n',
      );
      expect(status.recipients).toHaveLength(1);
      expect(status.recipients[0]).toMatchObject({ action: 'failed', status: '5.7.1' });
    });
  });

  describe('when there are more recipient blocks than the limit', () => {
    it('refuses with GW_ERR_DSN_MALFORMED', () => {
      const block = '\nFinal-Recipient: rfc822;a@b\nAction: failed\nStatus: 5.1.1\n';
      const body = `Reporting-MTA: dns; x\n${block.repeat(DSN_MAX_RECIPIENTS + 1)}`;
      expect(codeOf(() => parseDeliveryStatus(body))).toBe('GW_ERR_DSN_MALFORMED');
    });
  });
});

describe('isDeliveryStatusReport', () => {
  describe('when the message is a DSN, an MDN, or a mail returning a DSN as attachment', () => {
    it('is true only for the DSN itself', () => {
      expect(isDeliveryStatusReport(parseMimeMessage(fixture('good/postfix-delivered.eml')))).toBe(true);
      const mdn = readFileSync(join(FIXTURES, '..', 'mdn', 'good', 'claws-mail-displayed.eml'));
      expect(isDeliveryStatusReport(parseMimeMessage(mdn))).toBe(false);
      const forwarded = Buffer.concat([
        Buffer.from('Content-Type: message/rfc822\n\n'),
        fixture('good/postfix-delivered.eml'),
      ]);
      expect(isDeliveryStatusReport(parseMimeMessage(forwarded))).toBe(false);
    });
  });
});
