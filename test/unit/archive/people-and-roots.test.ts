import { describe, expect, it } from 'vitest';
import {
  archiveSettings,
  composeArchivedMessage,
  composeRoot,
  conversationsOf,
  copiesFor,
  itemKey,
  lookUpPeople,
  planItems,
  rootKeys,
  threadRootId,
} from '../../../src/archive/index.js';
import { loadConfig } from '../../../src/config.js';
import type { DirectoryEntry, StoredDelivery, StoredMessage } from '../../../src/domain/message.js';
import { composeMail } from '../../../src/email/index.js';
import type { EmailSettings } from '../../../src/email/settings.js';

const at = new Date(Date.UTC(2024, 2, 1, 10, 0, 0));
const ALICE = 'sip:alice@corp.test';
const BOB = 'sip:bob@corp.test';
const mt: StoredMessage = {
  id: 'm-1',
  direction: 'mt',
  sourceChannel: 'sip',
  senderUri: ALICE,
  imdnRequests: [],
  imdnRoute: [],
  contentType: 'text/plain; charset=utf-8',
  body: Buffer.from('hello', 'utf8'),
  sentAt: at,
  dedupeKey: 'k',
  createdAt: at,
};
const toBobByEmail: StoredDelivery = {
  id: 'd-1',
  messageId: 'm-1',
  channel: 'email',
  originalRecipientUri: 'mailto:bob@corp.test',
  targetUri: 'mailto:bob@corp.test',
  state: 'submitted',
  version: 2,
  createdAt: at,
  updatedAt: at,
};
const moBySms: StoredMessage = { ...mt, id: 'm-2', direction: 'mo', sourceChannel: 'sms', senderUri: 'tel:+1-555-030-0009' };
const toAlice: StoredDelivery = { ...toBobByEmail, id: 'd-2', messageId: 'm-2', channel: 'sip', originalRecipientUri: ALICE, targetUri: ALICE };

const entries: readonly DirectoryEntry[] = [
  { imUri: ALICE, displayName: 'Alice Archer', archiveEnabled: true },
  { imUri: BOB, msisdn: '+15550300009', email: 'Bob@Corp.test', displayName: 'Bob Baker', archiveEnabled: false },
];
const directory = {
  byImUri: async (uri: string) => entries.find((e) => e.imUri === uri),
  byMsisdn: async (msisdn: string) => entries.find((e) => e.msisdn === msisdn),
  byEmail: async (email: string) => entries.find((e) => e.email?.toLowerCase() === email.toLowerCase()),
};
const settings = archiveSettings(loadConfig({ env: { HERALD_ARCHIVE_HOST: 'h', HERALD_ARCHIVE_USERNAME: 'a@corp.test', HERALD_ARCHIVE_FOLDER: 'Archive/{user}/{peer}' } }).archive, 'corp.test');

function headerSection(raw: Buffer): string {
  return (raw.toString('utf8').split('\r\n\r\n')[0] ?? '').replace(/\r\n[ \t]+/g, ' ');
}

describe('archive people (issue 17 item 10)', () => {
  describe('when a person writes back from another of their addresses', () => {
    it('files the email to them and their SMS reply in one folder under one thread root', async () => {
      const out = await lookUpPeople(mt, [toBobByEmail], directory);
      const back = await lookUpPeople(moBySms, [toAlice], directory);
      const [outCopy] = copiesFor(mt, [toBobByEmail], settings, out);
      const [backCopy] = copiesFor(moBySms, [toAlice], settings, back);
      expect(outCopy?.conversations[0]?.peer).toBe(BOB);
      expect(backCopy?.conversations[0]?.peer).toBe(BOB);
      expect(backCopy?.mailbox).toBe('Archive/alice@corp_test/bob@corp_test');
      expect(outCopy?.mailbox).toBe(backCopy?.mailbox);
      expect(outCopy?.threadRoot).toBe(backCopy?.threadRoot);
      expect(outCopy?.threadRoot).toBe(threadRootId(ALICE, BOB, 'corp.test'));
    });

    it('keeps the address actually used in From/To, so SEARCH FROM finds the number', async () => {
      const back = await lookUpPeople(moBySms, [toAlice], directory);
      const conversations = conversationsOf(moBySms, [toAlice], back.personOf);
      const headers = headerSection(composeArchivedMessage({ message: moBySms, deliveries: [toAlice], conversations, threadRoot: '<r@corp.test>', domain: 'corp.test', subjectTemplate: 'Message from {sender}', nameOf: back.nameOf }));
      expect(headers).toMatch(/^From: "Bob Baker" <\+15550300009@corp\.test>$/m);
      expect(headers).toMatch(/^To: "Alice Archer" <alice@corp\.test>$/m);
      expect(headers).toMatch(/^Subject: Message from Bob Baker$/m);
    });
  });

  describe('when the peer is in no directory entry', () => {
    it('files by the canonical spelling and names nobody by URI', async () => {
      const stranger: StoredDelivery = { ...toBobByEmail, targetUri: 'mailto:Carol@Example.TEST' };
      const people = await lookUpPeople(mt, [stranger], directory);
      expect(people.personOf('mailto:Carol@Example.TEST')).toBe('mailto:carol@example.test');
      expect(people.nameOf('mailto:Carol@Example.TEST')).toBeUndefined();
      const [copy] = copiesFor(mt, [stranger], settings, people);
      const headers = headerSection(
        composeArchivedMessage({ message: mt, deliveries: [stranger], conversations: copy?.conversations ?? [], threadRoot: '<r@corp.test>', domain: 'corp.test', subjectTemplate: 'Message from {sender}', nameOf: people.nameOf }),
      );
      expect(headers).toMatch(/^To: carol@example\.test$/m);
      expect(headers).toMatch(/^From: "Alice Archer" <alice@corp\.test>$/m);
    });
  });
});

describe('one subject rule for the email and the archive (issue 17 item 10)', () => {
  const emailSettings: EmailSettings = {
    bounceAddress: 'bounces@corp.test',
    reportsAddress: 'reports@corp.test',
    replyAddress: 'replies+{token}@corp.test',
    fromAddress: 'gateway@corp.test',
    messageIdDomain: 'corp.test',
    subjectTemplate: 'IM from {sender} via Herald',
    noRelayRetryMs: 1000,
    retryGiveUpMs: 1000,
  };

  it.each([
    ['with a CPIM display name', { ...mt, senderDisplayName: 'Ali' }, undefined],
    ['with only the directory name', mt, 'Alice Archer'],
    ['with no name at all', mt, undefined],
    ['with a subject of its own', { ...mt, subject: 'Lunch?' }, 'Alice Archer'],
  ])('archives the subject the email recipient saw, %s', (_label, message, directoryName) => {
    const mail = composeMail({
      message,
      delivery: toBobByEmail,
      recipient: 'bob@corp.test',
      prepared: { deliveryId: 'd-1', messageId: '<d-1@corp.test>', replyToken: 't', references: [] },
      sender: { displayName: directoryName },
      settings: emailSettings,
    });
    const archived = headerSection(
      composeArchivedMessage({
        message,
        deliveries: [toBobByEmail],
        conversations: conversationsOf(message, [toBobByEmail]),
        threadRoot: '<r@corp.test>',
        domain: 'corp.test',
        subjectTemplate: emailSettings.subjectTemplate,
        nameOf: (uri) => (uri === ALICE ? directoryName : undefined),
      }),
    );
    expect(archived).toContain(`Subject: ${mail.subject}`);
    expect(mail.subject).not.toContain('{sender}');
  });
});

describe('the conversation root mail', () => {
  const conversation = { user: ALICE, peer: BOB, deliveries: [toBobByEmail] };
  const root = threadRootId(ALICE, BOB, 'corp.test');

  it('carries the Message-ID every mail of the conversation names, and names no parent itself', () => {
    const headers = headerSection(composeRoot({ conversation, threadRoot: root, at, domain: 'corp.test', nameOf: (uri) => (uri === BOB ? 'Bob Baker' : undefined) }));
    expect(headers).toContain(`Message-ID: ${root}`);
    expect(headers).not.toMatch(/^(In-Reply-To|References):/im);
    expect(headers).toMatch(/^From: "Herald gateway" <herald@corp\.test>$/m);
    expect(headers).toContain('X-Herald-Report: conversation');
    expect(headers).toMatch(/^Subject: Conversation: alice@corp\.test with Bob Baker \(bob@corp\.test\)$/m);
  });

  it('is planned before the message, only for the job the store gave it to', async () => {
    const people = await lookUpPeople(mt, [toBobByEmail], directory);
    const copies = copiesFor(mt, [toBobByEmail], settings, people);
    const [key] = rootKeys(copies);
    const copy = copies[0];
    expect(key).toBe(copy === undefined ? '' : itemKey(copy.account, copy.mailbox, root));
    const base = { message: mt, deliveries: [toBobByEmail], events: [], copies, domain: 'corp.test', subjectTemplate: 'Message from {sender}', people };
    expect(planItems({ ...base, roots: new Set([key ?? '']) }).map((i) => i.rfcMessageId)).toEqual([root, '<m-1@corp.test>']);
    expect(planItems({ ...base, roots: new Set() }).map((i) => i.rfcMessageId)).toEqual(['<m-1@corp.test>']);
  });
});
