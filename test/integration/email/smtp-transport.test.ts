/**
 * The SMTP adapter against the real Postfix: what the relay receives (envelope DSN
 * parameters, headers, parts) and how its refusals are classified.
 *
 * Mailbox isolation: mail goes to bob@example.test with unique Message-IDs and
 * NOTIFY=NEVER, so no DSN reaches a mailbox another file watches.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailTransport } from '../../../adapters/smtp/index.js';
import { parseMimeMessage, headerValue, headerValues, decodeEncodedWords } from '../../../src/codecs/mime.js';
import { smtpSchema } from '../../../src/config-email.js';
import { isHeraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import type { OutgoingMail } from '../../../src/ports/mail-transport.port.js';
import { ensureMailServers, mailSettings, waitForMail } from '../../helpers/mail.js';

const log = createLogger('silent');
const bob = `bob@${mailSettings.recipientDomain}`;

function mail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  const id = randomBytes(8).toString('hex');
  return {
    envelope: { from: `bounces@${mailSettings.localDomain}`, to: bob },
    from: { name: 'Imogen User', address: `gateway@${mailSettings.localDomain}` },
    to: { address: bob },
    replyTo: `replies+tok${id}@${mailSettings.localDomain}`,
    subject: `Hello ${id}`,
    messageId: `<${id}@${mailSettings.localDomain}>`,
    references: [],
    date: new Date(),
    text: `Plain ${id}`,
    html: `<p>Html ${id}</p>`,
    attachments: [],
    dsn: { envelopeId: id, notify: ['NEVER'], originalRecipient: bob },
    ...overrides,
  };
}

describe('SmtpMailTransport', () => {
  const transport = new SmtpMailTransport(
    smtpSchema.parse({ host: mailSettings.host, port: mailSettings.smtpPort, starttls: 'off', poolSize: 2 }),
    log,
  );

  beforeAll(async () => {
    await ensureMailServers();
  });

  afterAll(async () => {
    await transport.close();
  });

  describe('when the relay accepts a threaded mail with an MDN request and an attachment', () => {
    it('delivers it with every header and part as given', async () => {
      const root = `<root-${randomBytes(4).toString('hex')}@${mailSettings.localDomain}>`;
      const prev = `<prev-${randomBytes(4).toString('hex')}@${mailSettings.localDomain}>`;
      const out = mail({
        inReplyTo: prev,
        references: [root, prev],
        dispositionNotificationTo: `reports@${mailSettings.localDomain}`,
        attachments: [{ filename: 'photo.png', contentType: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }],
        from: { name: 'Zoë Ünïcode', address: `gateway@${mailSettings.localDomain}` },
      });
      const result = await transport.send(out);
      expect(result.response).toMatch(/^250 /);
      expect(transport.status()).toMatchObject({ state: 'up' });
      const received = await waitForMail(bob, (m) => m.source.includes(out.messageId));
      const headers = parseMimeMessage(received.source).headers;
      expect(headerValue(headers, 'message-id')).toBe(out.messageId);
      expect(headerValue(headers, 'in-reply-to')).toBe(prev);
      expect(headerValue(headers, 'references')).toBe(`${root} ${prev}`);
      expect(headerValue(headers, 'reply-to')).toBe(out.replyTo);
      expect(headerValue(headers, 'disposition-notification-to')).toBe(`reports@${mailSettings.localDomain}`);
      expect(decodeEncodedWords(headerValue(headers, 'from') ?? '')).toContain('Zoë Ünïcode');
      const source = received.source.toString('latin1');
      expect(source).toContain('multipart/alternative');
      expect(source).toContain('photo.png');
    });
  });

  describe('when the message is larger than the relay takes', () => {
    it('throws GW_ERR_SMTP_REJECTED with the reply code and command', async () => {
      const err = await transport.send(mail({ text: 'x'.repeat(11 * 1024 * 1024), html: undefined })).catch((e: unknown) => e);
      expect(isHeraldError(err, 'GW_ERR_SMTP_REJECTED')).toBe(true);
      if (!isHeraldError(err)) return;
      expect(err.permanent).toBe(true);
      expect(err.meta.responseCode).toBe(552);
      expect(err.meta.enhancedStatus).toBe('5.3.4');
    }, 60_000);
  });

  describe('when nothing listens on the relay port', () => {
    it('throws GW_ERR_SMTP_UNAVAILABLE (retried) and reports failing', async () => {
      const dead = new SmtpMailTransport(smtpSchema.parse({ host: '127.0.0.1', port: 1, starttls: 'off', connectionTimeoutMs: 2000 }), log);
      const err = await dead.send(mail()).catch((e: unknown) => e);
      await dead.close();
      expect(isHeraldError(err, 'GW_ERR_SMTP_UNAVAILABLE')).toBe(true);
      if (isHeraldError(err)) expect(err.permanent).toBe(false);
      expect(dead.status()).toMatchObject({ state: 'failing' });
    });
  });

  describe('when no relay is configured', () => {
    it('throws GW_ERR_SMTP_UNAVAILABLE', async () => {
      const none = new SmtpMailTransport(smtpSchema.parse({}), log);
      expect(none.configured).toBe(false);
      expect(none.status()).toEqual({ state: 'none-configured' });
      const err = await none.send(mail()).catch((e: unknown) => e);
      expect(isHeraldError(err, 'GW_ERR_SMTP_UNAVAILABLE')).toBe(true);
    });
  });

  it('keeps Received headers single (sanity of the parsed header list)', async () => {
    const out = mail();
    await transport.send(out);
    const received = await waitForMail(bob, (m) => m.source.includes(out.messageId));
    expect(headerValues(parseMimeMessage(received.source).headers, 'subject')).toHaveLength(1);
  });
});
