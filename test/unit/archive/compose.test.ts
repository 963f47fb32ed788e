import { describe, expect, it } from 'vitest';
import { addressOf, composeArchivedMessage, composeReport, conversationsOf, renderFolder, reportKindOf, threadRootId } from '../../../src/archive/index.js';
import { canonicalPeer } from '../../../src/archive/conversation.js';
import type { DeliveryEvent, StoredDelivery, StoredMessage } from '../../../src/domain/message.js';

const at = new Date(Date.UTC(2024, 2, 1, 10, 0, 0));
const message: StoredMessage = {
  id: 'm-1',
  direction: 'mt',
  sourceChannel: 'sip',
  senderUri: 'sip:alice@example.com',
  senderDisplayName: 'Ålice "A" Smith',
  imdnRequests: [],
  imdnRoute: [],
  subject: 'Hi\r\nBcc: evil@x.test',
  contentType: 'text/plain; charset=utf-8',
  body: Buffer.from('Grüße', 'utf8'),
  sentAt: at,
  dedupeKey: 'k',
  createdAt: at,
};
const delivery: StoredDelivery = {
  id: 'd-1',
  messageId: 'm-1',
  channel: 'sms',
  originalRecipientUri: 'tel:+15551234567',
  targetUri: 'tel:+15551234567',
  state: 'delivered',
  version: 4,
  createdAt: at,
  updatedAt: at,
};

function headerSection(raw: Buffer): string {
  return raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
}

describe('composeArchivedMessage', () => {
  const conversations = conversationsOf(message, [delivery]);
  const raw = composeArchivedMessage({ message, deliveries: [delivery], conversations, threadRoot: threadRootId('sip:alice@example.com', 'tel:+15551234567', 'a.test'), domain: 'a.test', subjectTemplate: 'Message from {sender}' });
  const headers = headerSection(raw);

  it('writes From/To as searchable addresses, the original date and the stable Message-ID', () => {
    expect(headers).toMatch(/^From: =\?utf-8\?B\?[^?]+\?= <alice@example\.com>$/m);
    // The number as display name, not the raw URI (issue 17 item 10).
    expect(headers).toMatch(/^To: "\+15551234567" <\+15551234567@a\.test>$/m);
    expect(headers).toContain('Date: Fri, 01 Mar 2024 10:00:00 +0000');
    expect(headers).toContain('Message-ID: <m-1@a.test>');
    expect(headers).toContain('X-Herald-Delivery: d-1; channel=sms; to=tel:+15551234567; state=delivered');
  });

  describe('when the subject carries CR/LF', () => {
    it('keeps it on its own header line', () => {
      expect(headers).not.toMatch(/^Bcc:/m);
      expect(headers).toMatch(/^Subject: Hi Bcc: evil@x\.test$/m);
    });
  });

  it('is byte-identical on every run (retries compose the same mail)', () => {
    const again = composeArchivedMessage({ message: { ...message, contentType: 'image/png' }, deliveries: [delivery], conversations, threadRoot: '<r@a.test>', domain: 'a.test', subjectTemplate: 'Message from {sender}' });
    expect(composeArchivedMessage({ message: { ...message, contentType: 'image/png' }, deliveries: [delivery], conversations, threadRoot: '<r@a.test>', domain: 'a.test', subjectTemplate: 'Message from {sender}' })).toEqual(again);
  });
});

describe('composeArchivedMessage of a session message', () => {
  const conversations = conversationsOf(message, [delivery]);
  const session = { id: 'sessA', callId: 'chat@client\r\nBcc: evil@x.test', imUser: 'sip:alice@example.com', farParty: 'tel:+15551234567', largeMessageMode: true, secure: true, node: '127.0.0.1:2855', startedAt: at };
  // Unfolded (RFC 5322 §2.2.3): a long value is folded onto continuation lines.
  const compose = (withSession: boolean): string =>
    headerSection(composeArchivedMessage({ message, deliveries: [delivery], conversations, threadRoot: '<r@a.test>', domain: 'a.test', subjectTemplate: 'Message from {sender}', ...(withSession ? { session } : {}) })).replace(/\r\n /g, ' ');

  it('names the session, its dialog, transport and start in X-Herald-Session', () => {
    expect(compose(true)).toMatch(/^X-Herald-Session: sessA; call-id=chat@client Bcc: evil@x\.test; transport=msrps; started=2024-03-01T10:00:00\.000Z; large-message-mode$/m);
    // The Call-ID comes from outside: its CR/LF cannot start a header of its own.
    expect(compose(true)).not.toMatch(/^Bcc:/m);
  });

  it('writes no session header for a page-mode message', () => {
    expect(compose(false)).not.toContain('X-Herald-Session');
  });
});

describe('composeReport', () => {
  const event: DeliveryEvent = { id: '42', messageId: 'm-1', deliveryId: 'd-1', at, type: 'state', fromState: 'submitted', toState: 'failed', cause: 'smpp:UNDELIV', detail: { errorCode: 'smpp:27', errorText: 'absent\r\nX-Evil: 1' } };

  it('replies to the archived message with the final status', () => {
    const headers = headerSection(composeReport({ message, event, kind: 'state', delivery, user: message.senderUri, threadRoot: '<r@a.test>', domain: 'a.test', subject: 'Hi' }));
    expect(headers).toContain('Message-ID: <m-1.e42@a.test>');
    expect(headers).toMatch(/^Subject: Failed: Hi$/m);
    expect(headers).toContain('In-Reply-To: <m-1@a.test>');
    expect(headers).toContain('References: <r@a.test> <m-1@a.test>');
    expect(headers).toContain('X-Herald-Final-Status: failed');
    expect(headers).not.toMatch(/^X-Evil/m);
  });

  it('archives final states and IMDNs only', () => {
    expect(reportKindOf(event)).toBe('state');
    expect(reportKindOf({ ...event, toState: 'submitted' })).toBeUndefined();
    expect(reportKindOf({ ...event, type: 'imdn-received' })).toBe('imdn-received');
    expect(reportKindOf({ ...event, type: 'receipt' })).toBeUndefined();
  });
});

describe('addressOf', () => {
  it('maps URIs to addr-specs that cannot break a header', () => {
    expect(addressOf('sip:bob@example.com;transport=tcp', 'd.test')).toBe('bob@example.com');
    expect(addressOf('mailto:carol@example.org', 'd.test')).toBe('carol@example.org');
    expect(addressOf('tel:+15551234567', 'd.test')).toBe('+15551234567@d.test');
    expect(addressOf('sip:a b<c>"@ex ample.com', 'd.test')).toBe('a_b_c__@example.com');
  });
});

describe('one conversation whatever the spelling (issue 17 item 10)', () => {
  const mt = { ...message, senderUri: 'sip:alice@example.com' };
  const mo: StoredMessage = { ...message, id: 'm-2', direction: 'mo', sourceChannel: 'email', senderUri: 'mailto:Bob.Smith@Example.COM', senderDisplayName: undefined };
  it('files an MT to bob@example.com and an MO from Bob.Smith@Example.COM under one peer, one thread root and one folder', () => {
    const [out] = conversationsOf(mt, [{ ...delivery, channel: 'email', targetUri: 'mailto:bob.smith@example.com' }]);
    const [back] = conversationsOf(mo, [{ ...delivery, id: 'd-2', messageId: 'm-2', channel: 'sip', targetUri: 'sip:alice@example.com' }]);
    expect(back?.peer).toBe(out?.peer);
    expect(threadRootId(back?.user ?? '', back?.peer ?? '', 'a.test')).toBe(threadRootId(out?.user ?? '', out?.peer ?? '', 'a.test'));
    expect(renderFolder('Herald/{user}/{peer}', { user: back?.user ?? '', peer: back?.peer ?? '', channel: 'email', direction: 'mo', at })).toBe(
      renderFolder('Herald/{user}/{peer}', { user: out?.user ?? '', peer: out?.peer ?? '', channel: 'email', direction: 'mt', at }),
    );
  });
  it('writes the address without a raw-URI display name when the directory gave none', () => {
    const [back] = conversationsOf(mo, [{ ...delivery, id: 'd-2', messageId: 'm-2', channel: 'sip', targetUri: 'sip:alice@example.com' }]);
    const headers = headerSection(composeArchivedMessage({ message: mo, deliveries: back?.deliveries ?? [], conversations: back === undefined ? [] : [back], threadRoot: '<r@a.test>', domain: 'a.test', subjectTemplate: 'Message from {sender}' }));
    expect(headers).toMatch(/^From: bob\.smith@example\.com$/m);
    expect(headers).toMatch(/^To: alice@example\.com$/m);
    expect(canonicalPeer('tel:+1-555-123-4567')).toBe('tel:+15551234567');
  });
});
