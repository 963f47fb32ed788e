/**
 * Shared pieces of the IMAP archive tests: an archive configuration for the test Dovecot
 * (or a proxy in front of it) under a folder prefix of the test's own, a conversation
 * generator that records messages through the archive-decorated ledger, and readers for
 * what landed in the archive.
 */
import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { archiveSchema, type ArchiveConfig } from '../../src/config-archive.js';
import { ArchiveTrigger, archiveSettings, conversationsOf, reportKindOf, reportMessageId, archiveMessageId, threadRootId, withArchive, type ArchiveSettings } from '../../src/archive/index.js';
import { newId } from '../../src/domain/ids.js';
import type { Channel, Direction } from '../../src/domain/message.js';
import type { Logger } from '../../src/logger.js';
import type { ArchiveStore } from '../../src/ports/archive-store.port.js';
import type { JobQueue } from '../../src/ports/job-queue.port.js';
import type { Ledger } from '../../src/ports/ledger.port.js';
import { imapClient, mailSettings } from './mail.js';

export const ARCHIVE_USER = mailSettings.users.find((u) => u.startsWith('archive@')) ?? 'archive@herald.test';
export const ARCHIVE_DOMAIN = 'archive.herald.test';

/** A folder prefix no other test run uses. */
export function archivePrefix(label: string): string {
  return `T${label}-${randomBytes(4).toString('hex')}`;
}

/** The archive section for the test Dovecot (plain IMAP on loopback), `overrides` on top. */
export function testArchiveConfig(overrides: Readonly<Record<string, unknown>> = {}): ArchiveConfig {
  return archiveSchema.parse({
    host: mailSettings.host,
    port: mailSettings.imapPort,
    secure: false,
    starttls: false,
    username: ARCHIVE_USER,
    password: mailSettings.password,
    messageIdDomain: ARCHIVE_DOMAIN,
    delayMs: 0,
    retryMaxMs: 1000,
    claimMs: 3000,
    responseTimeoutMs: 5000,
    connectionTimeoutMs: 3000,
    ...overrides,
  });
}

/** One message to record: who, which way, on which channel, when, and what happens to it. */
export interface MessageSpec {
  readonly user: string;
  readonly peer: string;
  readonly direction: Direction;
  readonly channel: Exclude<Channel, 'sip'>;
  readonly text: string;
  readonly sentAt: Date;
  /** pending: handed off (submitted), its receipt not in yet. */
  readonly final: 'delivered' | 'failed' | 'pending';
  /** An IMDN sent (MT) or received (MO) event after the final state. */
  readonly imdn?: boolean;
  readonly subject?: string;
  readonly contentType?: string;
  readonly body?: Buffer;
}

/** Records `spec` through `ledger` (decorated with the archive trigger) and walks its delivery to its final state. */
export async function recordConversationMessage(ledger: Ledger, spec: MessageSpec): Promise<{ messageId: string; deliveryId: string }> {
  const messageId = newId();
  const deliveryId = newId();
  const mt = spec.direction === 'mt';
  await ledger.recordMessage(
    {
      id: messageId,
      direction: spec.direction,
      sourceChannel: mt ? 'sip' : spec.channel,
      senderUri: mt ? spec.user : spec.peer,
      imdnRequests: [],
      imdnRoute: [],
      subject: spec.subject,
      contentType: spec.contentType ?? 'text/plain; charset=utf-8',
      body: spec.body ?? Buffer.from(spec.text, 'utf8'),
      sentAt: spec.sentAt,
      dedupeKey: `archive-test-${messageId}`,
    },
    [{ id: deliveryId, channel: mt ? spec.channel : 'sip', originalRecipientUri: mt ? spec.peer : spec.user, targetUri: mt ? spec.peer : spec.user }],
  );
  await ledger.transition({ deliveryId, to: 'queued', cause: 'test' });
  if (spec.final !== 'failed') {
    await ledger.transition({ deliveryId, to: 'submitted', cause: 'test' });
    if (spec.final === 'delivered') await ledger.transition({ deliveryId, to: 'delivered', cause: 'test:delivered' });
  } else {
    await ledger.transition({ deliveryId, to: 'failed', cause: 'test:failed', errorCode: 'test:27', errorText: 'absent subscriber' });
  }
  if (spec.imdn === true) {
    await ledger.appendEvent({
      messageId,
      deliveryId,
      type: mt ? 'imdn-sent' : 'imdn-received',
      cause: 'test',
      detail: mt ? { kind: 'delivery', status: spec.final } : { type: 'display', status: 'displayed' },
    });
  }
  return { messageId, deliveryId };
}

/** The ledger the channels would get: archive-triggering, and the trigger's settings. */
export function archivingLedger<L extends Ledger>(ledger: L, store: ArchiveStore, jobs: JobQueue, config: ArchiveConfig, log: Logger): { ledger: L; settings: ArchiveSettings } {
  const settings = archiveSettings(config, 'herald.test');
  return { ledger: withArchive(ledger, new ArchiveTrigger({ settings, store, jobs }), log), settings };
}

/**
 * Every RFC Message-ID the archive should hold for `messageIds`: the message, its reports
 * and its conversation's root mail (peers in no directory entry, every user archived).
 */
export async function expectedArchiveIds(ledger: Ledger, messageIds: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const id of messageIds) {
    ids.add(archiveMessageId(id, ARCHIVE_DOMAIN));
    const message = await ledger.getMessage(id);
    if (message !== undefined) for (const c of conversationsOf(message, await ledger.listDeliveries(id))) ids.add(threadRootId(c.user, c.peer, ARCHIVE_DOMAIN));
    for (const event of await ledger.listEvents(id)) if (reportKindOf(event) !== undefined) ids.add(reportMessageId(id, event.id, ARCHIVE_DOMAIN));
  }
  return ids;
}

/** One archived mail as a test reads it. */
export interface ArchivedMail {
  readonly folder: string;
  readonly uid: number;
  readonly messageId: string;
  readonly headers: string;
}

/** Folders under `prefix` (deepest first, handy for deleting); `selectable` leaves out \\Noselect parents. */
export async function archiveFolders(client: ImapFlow, prefix: string, selectable = false): Promise<string[]> {
  const list = await client.list();
  return list
    .filter((l) => !selectable || !l.flags.has('\\Noselect'))
    .map((l) => l.path)
    .filter((p) => p === prefix || p.startsWith(`${prefix}/`))
    .sort((a, b) => b.length - a.length);
}

/** Every mail in every folder under `prefix`, with its header section. */
export async function readArchive(prefix: string): Promise<ArchivedMail[]> {
  const client = await imapClient(ARCHIVE_USER);
  try {
    const mails: ArchivedMail[] = [];
    for (const folder of await archiveFolders(client, prefix, true)) {
      const lock = await client.getMailboxLock(folder);
      try {
        const box = client.mailbox;
        if (box === false || box.exists === 0) continue;
        for await (const msg of client.fetch('1:*', { uid: true, envelope: true, headers: true })) {
          mails.push({ folder, uid: msg.uid, messageId: msg.envelope?.messageId ?? '', headers: msg.headers?.toString('utf8') ?? '' });
        }
      } finally {
        lock.release();
      }
    }
    return mails;
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/** Deletes every folder under `prefix`. */
export async function deleteArchive(prefix: string): Promise<void> {
  const client = await imapClient(ARCHIVE_USER);
  try {
    for (const folder of await archiveFolders(client, prefix)) await client.mailboxDelete(folder).catch(() => undefined);
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/** Values of header `name` in a raw header section (unfolded). */
export function headerValues(headers: string, name: string): string[] {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'gim');
  return [...unfolded.matchAll(re)].map((m) => (m[1] ?? '').trim());
}
