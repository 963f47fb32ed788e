import { describe, expect, it } from 'vitest';
import { smtpSchema } from '../../../src/config-email.js';
import type { ImdnRequestToken, StoredDelivery, StoredMessage } from '../../../src/domain/message.js';
import { composeMail, dsnNotifyFor, emailSettings } from '../../../src/email/index.js';

const now = new Date('2026-11-26T06:14:30Z');
const settings = emailSettings(smtpSchema.parse({ fromAddress: 'herald@gw.example', bounceAddress: 'bounces@gw.example' }));

function input(overrides: Partial<StoredMessage> = {}, requests: ImdnRequestToken[] = []) {
  const message: StoredMessage = {
    id: 'm1',
    direction: 'mt',
    sourceChannel: 'sip',
    senderUri: 'sip:alice@im.example',
    imdnMessageId: 'i1',
    imdnRequests: requests,
    imdnRoute: [],
    contentType: 'text/plain;charset=UTF-8',
    body: Buffer.from('Hi <b>Bob</b> & co'),
    sentAt: now,
    dedupeKey: 'd',
    createdAt: now,
    ...overrides,
  };
  const delivery: StoredDelivery = {
    id: 'd1',
    messageId: 'm1',
    channel: 'email',
    originalRecipientUri: 'mailto:bob@example.com',
    targetUri: 'mailto:bob@example.com',
    state: 'queued',
    version: 2,
    createdAt: now,
    updatedAt: now,
  };
  return { message, delivery, recipient: 'bob@example.com', prepared: { deliveryId: 'd1', messageId: '<d1@gw.example>', replyToken: 'TOKEN123', references: [] }, sender: {}, settings };
}

describe('dsnNotifyFor', () => {
  it.each<[ImdnRequestToken[], string[]]>([
    [['positive-delivery'], ['SUCCESS']],
    [['negative-delivery'], ['FAILURE']],
    [['positive-delivery', 'negative-delivery'], ['SUCCESS', 'FAILURE']],
    [['processing', 'negative-delivery'], ['FAILURE', 'DELAY']],
    [['display'], ['NEVER']],
    [[], ['NEVER']],
  ])('maps %j to NOTIFY=%j', (requests, notify) => {
    expect(dsnNotifyFor(requests)).toEqual(notify);
  });
});

describe('composeMail', () => {
  describe('when the sender asked for display', () => {
    it('adds Disposition-Notification-To: the reports address', () => {
      expect(composeMail(input({}, ['display'])).dispositionNotificationTo).toBe('bounces@gw.example');
    });
  });

  describe('when the sender did not ask for display', () => {
    it('asks for no MDN', () => {
      expect(composeMail(input({}, ['positive-delivery'])).dispositionNotificationTo).toBeUndefined();
    });
  });

  it('uses the delivery id as ENVID, the recipient as ORCPT and the bounce address as MAIL FROM', () => {
    const mail = composeMail(input({}, ['positive-delivery']));
    expect(mail.dsn).toEqual({ envelopeId: 'd1', notify: ['SUCCESS'], originalRecipient: 'bob@example.com' });
    expect(mail.envelope).toEqual({ from: 'bounces@gw.example', to: 'bob@example.com' });
    expect(mail.replyTo).toBe('bounces+TOKEN123@gw.example');
  });

  describe('when the sender has no email in the directory', () => {
    it('sends from the gateway address with the sender\'s name', () => {
      expect(composeMail(input({ senderDisplayName: 'Alice A.' })).from).toEqual({ name: 'Alice A.', address: 'herald@gw.example' });
      expect(composeMail(input()).from).toEqual({ name: 'alice', address: 'herald@gw.example' });
    });
  });

  describe('when the directory maps the sender', () => {
    it('sends from the mapped address', () => {
      const mail = composeMail({ ...input(), sender: { email: 'alice@corp.example', displayName: 'Alice Corp' } });
      expect(mail.from).toEqual({ name: 'Alice Corp', address: 'alice@corp.example' });
    });
  });

  it('takes the CPIM Subject, else the template', () => {
    expect(composeMail(input({ subject: 'Lunch?' })).subject).toBe('Lunch?');
    expect(composeMail(input()).subject).toBe('Message from alice');
  });

  it('writes a text and an escaped HTML part for text IMs', () => {
    const mail = composeMail(input());
    expect(mail.text).toBe('Hi <b>Bob</b> & co');
    expect(mail.html).toContain('Hi &#60;b&#62;Bob&#60;/b&#62; &#38; co');
    expect(mail.attachments).toEqual([]);
  });

  it('attaches non-text content', () => {
    const mail = composeMail(input({ contentType: 'image/png', body: Buffer.from([1, 2, 3]) }));
    expect(mail.attachments).toEqual([{ filename: 'attachment.png', contentType: 'image/png', content: Buffer.from([1, 2, 3]) }]);
    expect(mail.html).toBeUndefined();
  });
});
