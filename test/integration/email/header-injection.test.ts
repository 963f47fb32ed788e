/**
 * Threat: header injection. An IM's CPIM Subject, the sender's display name or an
 * attachment name carrying CR/LF must not add a header (Bcc, a forged From, …) to the
 * outgoing mail. Proven on what the real Postfix delivers, after the whole composition
 * path (composeMail → SmtpMailTransport).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailTransport } from '../../../adapters/smtp/index.js';
import { decodeEncodedWords, headerValue, headerValues, parseMimeMessage } from '../../../src/codecs/mime.js';
import { smtpSchema } from '../../../src/config-email.js';
import type { StoredDelivery, StoredMessage } from '../../../src/domain/message.js';
import { composeMail, emailSettings } from '../../../src/email/index.js';
import { isHeraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { ensureMailServers, mailSettings, waitForMail } from '../../helpers/mail.js';

const carol = `carol@${mailSettings.recipientDomain}`;
const INJECTION = '\r\nBcc: victim@example.test\r\nX-Injected: yes\r\n\r\nbody takeover';

function imMessage(subject: string, displayName: string): { message: StoredMessage; delivery: StoredDelivery } {
  const now = new Date();
  const message: StoredMessage = {
    id: randomBytes(8).toString('hex'),
    direction: 'mt',
    sourceChannel: 'sip',
    senderUri: 'sip:mallory@example.com',
    senderDisplayName: displayName,
    imdnMessageId: 'x',
    imdnRequests: [],
    imdnRoute: [],
    subject,
    contentType: 'text/plain;charset=UTF-8',
    body: Buffer.from('The real text'),
    sentAt: now,
    dedupeKey: 'x',
    createdAt: now,
  };
  const delivery: StoredDelivery = {
    id: randomBytes(8).toString('hex'),
    messageId: message.id,
    channel: 'email',
    originalRecipientUri: `mailto:${carol}`,
    targetUri: `mailto:${carol}`,
    state: 'queued',
    version: 2,
    createdAt: now,
    updatedAt: now,
  };
  return { message, delivery };
}

describe('header injection', () => {
  const config = smtpSchema.parse({
    host: mailSettings.host,
    port: mailSettings.smtpPort,
    starttls: 'off',
    fromAddress: `gateway@${mailSettings.localDomain}`,
    bounceAddress: `bounces@${mailSettings.localDomain}`,
  });
  const transport = new SmtpMailTransport(config, createLogger('silent'));

  beforeAll(async () => {
    await ensureMailServers();
  });

  afterAll(async () => {
    await transport.close();
  });

  describe('when a CR/LF-laden CPIM Subject and display name reach the mail', () => {
    it('keeps them inside their own headers and adds none', async () => {
      const marker = randomBytes(6).toString('hex');
      const { message, delivery } = imMessage(`Hi ${marker}${INJECTION}`, `Mallory${INJECTION}`);
      const out = composeMail({
        message,
        delivery,
        recipient: carol,
        prepared: { deliveryId: delivery.id, messageId: `<${delivery.id}@${mailSettings.localDomain}>`, replyToken: `tok${marker}`, references: [] },
        sender: {},
        settings: emailSettings(config),
      });
      await transport.send(out);
      const received = await waitForMail(carol, (m) => m.source.includes(out.messageId));
      const root = parseMimeMessage(received.source);
      expect(headerValues(root.headers, 'bcc')).toEqual([]);
      expect(headerValues(root.headers, 'x-injected')).toEqual([]);
      expect(headerValues(root.headers, 'subject')).toHaveLength(1);
      expect(headerValues(root.headers, 'from')).toHaveLength(1);
      const subject = decodeEncodedWords(headerValue(root.headers, 'subject') ?? '');
      expect(subject).toContain(marker);
      expect(subject).not.toMatch(/[\r\n]/);
      expect(received.source.toString('latin1')).not.toContain('\r\nbody takeover');
      expect(received.source.toString('latin1')).toContain('The real text');
    });
  });

  describe('when an address carries CR/LF', () => {
    it('refuses the mail with GW_ERR_EMAIL_ADDRESS (permanent)', async () => {
      const { message, delivery } = imMessage('ok', 'ok');
      const out = composeMail({
        message,
        delivery,
        recipient: `${carol}\r\nBcc: victim@example.test`,
        prepared: { deliveryId: delivery.id, messageId: `<${delivery.id}@herald.test>`, replyToken: 'tokabcdefgh', references: [] },
        sender: {},
        settings: emailSettings(config),
      });
      const err = await transport.send(out).catch((e: unknown) => e);
      expect(isHeraldError(err, 'GW_ERR_EMAIL_ADDRESS')).toBe(true);
      if (isHeraldError(err)) expect(err.permanent).toBe(true);
    });
  });
});
