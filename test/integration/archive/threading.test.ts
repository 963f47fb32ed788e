/**
 * Issue 17 item 10, as a mail client sees the archive: one folder and one thread per
 * conversation whatever the peer's spelling or address, with a real root mail (no
 * placeholder parent), threaded by Dovecot's own RFC 5256 THREAD REFERENCES.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { archiveMessageId, threadRootId } from '../../../src/archive/index.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import {
  ARCHIVE_DOMAIN,
  ARCHIVE_USER,
  archiveFolders,
  archivePrefix,
  archivingLedger,
  deleteArchive,
  headerValues,
  readArchive,
  recordConversationMessage,
  testArchiveConfig,
  type ArchivedMail,
  type MessageSpec,
} from '../../helpers/archive-harness.js';
import { startArchiveWorker, type RunningArchiveWorker } from '../../helpers/archive-worker.js';
import { threadNodes, threadReferences, type ThreadNode } from '../../helpers/imap-thread.js';
import { ensureMailServers, imapClient } from '../../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger(process.env.TEST_LOG === '1' ? 'debug' : 'silent');
const EVE = 'sip:eve@corp.test';
// Bob is a person of the directory: an IM URI, a mobile number and an email address.
const BOB = 'sip:bob@corp.test';
const BOB_MSISDN = '+15550400001';
const BOB_EMAIL = 'bob.baker@example.test';
const march = (day: number, hour = 12): Date => new Date(Date.UTC(2024, 2, day, hour));

/** Each conversation: the person it files under and the spellings the peer used. */
const CONVERSATIONS = [
  { person: BOB, folder: 'bob@corp_test', spellings: [`tel:${BOB_MSISDN}`, 'tel:+1-555-040-0001', `mailto:${BOB_EMAIL}`, 'mailto:Bob.Baker@EXAMPLE.test'] },
  { person: 'mailto:carol@example.test', folder: 'carol@example_test', spellings: ['mailto:carol@example.test', 'mailto:Carol@Example.TEST', 'mailto:CAROL@example.test'] },
  { person: 'tel:+15550400002', folder: '+15550400002', spellings: ['tel:+15550400002', 'tel:+1 (555) 040-0002', 'tel:+1.555.040.0002'] },
] as const;

describe('IMAP archive threading', () => {
  let db: TestDatabase;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  let redis: Redis;
  let jobs: BullmqJobQueue;
  const workers: RunningArchiveWorker[] = [];
  let mails: ArchivedMail[] = [];
  const threads = new Map<string, ThreadNode[]>();
  const prefix = archivePrefix('threading');
  const control = `${prefix}-control`;
  const queuePrefix = `test-${randomBytes(6).toString('hex')}`;
  const specs: MessageSpec[] = CONVERSATIONS.flatMap((c, n) =>
    Array.from({ length: 8 }, (_, i): MessageSpec => {
      const peer = c.spellings[i % c.spellings.length] ?? c.person;
      return {
        user: EVE,
        peer,
        direction: i % 2 === 0 ? 'mt' : 'mo',
        channel: peer.startsWith('mailto:') ? 'email' : 'sms',
        text: `conversation ${n} line ${i}`,
        sentAt: march(i + 1, 10 + n),
        final: i === 5 ? 'failed' : 'delivered',
      };
    }),
  );
  const recorded: { spec: MessageSpec; messageId: string }[] = [];
  const folderOf = (c: (typeof CONVERSATIONS)[number]): string => `${prefix}/eve@corp_test/${c.folder}`;

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('archive_threading');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 6 }, log);
    await ledger.migrate();
    await ledger.directory.upsert({ imUri: EVE, displayName: 'Eve Example', archiveEnabled: true });
    await ledger.directory.upsert({ imUri: BOB, msisdn: BOB_MSISDN, email: BOB_EMAIL, displayName: 'Bob Baker', archiveEnabled: false });
    redis = createRedis(REDIS_URL);
    jobs = new BullmqJobQueue(redis, queuePrefix);
    const config = testArchiveConfig({ folder: `${prefix}/{user}/{peer}` });
    const { ledger: archiving } = archivingLedger(ledger, ledger.archive, jobs, config, log);
    // Carol's folder as the archive left it before roots were stored: a mail whose root
    // no mail carries. The next message of the conversation heals it.
    const seed = await imapClient(ARCHIVE_USER);
    try {
      const carolRoot = threadRootId(EVE, 'mailto:carol@example.test', ARCHIVE_DOMAIN);
      const oldMail = `From: carol@example.test\r\nTo: eve@corp.test\r\nSubject: old\r\nMessage-ID: <old.${prefix}@${ARCHIVE_DOMAIN}>\r\nIn-Reply-To: ${carolRoot}\r\nReferences: ${carolRoot}\r\nDate: Thu, 01 Feb 2024 10:00:00 +0000\r\n\r\nold\r\n`;
      await seed.mailboxCreate(folderOf(CONVERSATIONS[1]));
      await seed.append(folderOf(CONVERSATIONS[1]), Buffer.from(oldMail));
    } finally {
      await seed.logout().catch(() => undefined);
    }
    // Two workers, as two gateway nodes: every conversation's messages race for its root.
    for (let i = 0; i < 2; i++) workers.push(await startArchiveWorker(db.url, REDIS_URL, queuePrefix, config, log));
    const results = await Promise.all(specs.map((spec) => recordConversationMessage(archiving, spec)));
    results.forEach((r, i) => recorded.push({ spec: specs[i] as MessageSpec, messageId: r.messageId }));
    await waitFor(async () => ((await ledger.archive.lag()).count === 0 ? true : undefined), 100_000, 'archive drained');
    mails = await readArchive(prefix);

    const client = await imapClient(ARCHIVE_USER);
    try {
      for (const folder of await archiveFolders(client, prefix, true)) {
        if (folder === control) continue;
        await client.mailboxOpen(folder);
        threads.set(folder, await threadReferences(client));
      }
      // The control: how the archive threaded before it stored roots, two replies to a
      // root no mail carries. The same helper must report the placeholder.
      await client.mailboxCreate(control);
      for (const id of ['a', 'b']) {
        const raw = `From: x@example.test\r\nSubject: s\r\nMessage-ID: <${id}.${prefix}@example.test>\r\nIn-Reply-To: <root.${prefix}@example.test>\r\nReferences: <root.${prefix}@example.test>\r\nDate: Fri, 01 Mar 2024 10:00:00 +0000\r\n\r\nx\r\n`;
        await client.append(control, Buffer.from(raw));
      }
      await client.mailboxOpen(control);
      threads.set(control, await threadReferences(client));
    } finally {
      await client.logout().catch(() => undefined);
    }
  }, 150_000);

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await jobs?.queue('archive').obliterate({ force: true }).catch(() => undefined);
    await jobs?.close();
    redis?.disconnect();
    await ledger?.close();
    await db?.drop();
    await deleteArchive(prefix);
    await deleteArchive(control);
  });

  describe('when a peer writes with different spellings and from other addresses', () => {
    it('files each conversation in one folder', () => {
      expect(new Set(mails.map((m) => m.folder))).toEqual(new Set(CONVERSATIONS.map(folderOf)));
      for (const c of CONVERSATIONS) {
        const ids = recorded.filter((r) => (c.spellings as readonly string[]).includes(r.spec.peer)).map((r) => archiveMessageId(r.messageId, ARCHIVE_DOMAIN));
        expect(ids).toHaveLength(8);
        expect(new Set(mails.filter((m) => ids.includes(m.messageId)).map((m) => m.folder))).toEqual(new Set([folderOf(c)]));
      }
    });
  });

  describe('when Dovecot threads a folder (THREAD REFERENCES, RFC 5256)', () => {
    it('gives one thread per conversation, holding every mail of the folder (one archived before roots existed too)', () => {
      expect(mails.filter((m) => m.messageId === `<old.${prefix}@${ARCHIVE_DOMAIN}>`).map((m) => m.folder)).toEqual([folderOf(CONVERSATIONS[1])]);
      for (const c of CONVERSATIONS) {
        const folder = folderOf(c);
        const found = threads.get(folder) ?? [];
        expect(found, folder).toHaveLength(1);
        const uids = threadNodes(found[0] as ThreadNode).map((n) => n.uid);
        expect(uids.sort((a, b) => (a ?? 0) - (b ?? 0)), folder).toEqual(mails.filter((m) => m.folder === folder).map((m) => m.uid).sort((a, b) => a - b));
      }
    });

    it('roots each thread at the conversation root mail, stored once, with no placeholder anywhere', () => {
      for (const c of CONVERSATIONS) {
        const folder = folderOf(c);
        const [thread] = threads.get(folder) ?? [];
        expect(threadNodes(thread as ThreadNode).filter((n) => n.uid === undefined), folder).toEqual([]);
        const root = mails.find((m) => m.folder === folder && m.uid === thread?.uid);
        expect(root?.messageId, folder).toBe(threadRootId(EVE, c.person, ARCHIVE_DOMAIN));
        expect(headerValues(root?.headers ?? '', 'X-Herald-Report')).toEqual(['conversation']);
        expect(mails.filter((m) => m.messageId === root?.messageId)).toHaveLength(1);
      }
    });

    it('reports the placeholder parent of mail whose root is missing (the control folder)', () => {
      const [thread, ...others] = threads.get(control) ?? [];
      expect(others).toEqual([]);
      expect(thread?.uid).toBeUndefined();
      expect(thread?.children.map((n) => n.uid)).toEqual([1, 2]);
    });
  });

  describe('when reading names and subjects', () => {
    it('names people as the directory does and gives the subject the email channel gives', () => {
      const bySms = recorded.find((r) => r.spec.direction === 'mo' && r.spec.peer === 'tel:+1-555-040-0001');
      const headers = mails.find((m) => m.messageId === archiveMessageId(bySms?.messageId ?? '', ARCHIVE_DOMAIN))?.headers ?? '';
      expect(headerValues(headers, 'From')).toEqual([`"Bob Baker" <${BOB_MSISDN}@${ARCHIVE_DOMAIN}>`]);
      expect(headerValues(headers, 'To')).toEqual(['"Eve Example" <eve@corp.test>']);
      expect(headerValues(headers, 'Subject')).toEqual(['Message from Bob Baker']);
      const toCarol = recorded.find((r) => r.spec.direction === 'mt' && r.spec.peer === 'mailto:Carol@Example.TEST');
      const mt = mails.find((m) => m.messageId === archiveMessageId(toCarol?.messageId ?? '', ARCHIVE_DOMAIN))?.headers ?? '';
      expect(headerValues(mt, 'From')).toEqual(['"Eve Example" <eve@corp.test>']);
      expect(headerValues(mt, 'To')).toEqual(['carol@example.test']);
      expect(headerValues(mt, 'Subject')).toEqual(['Message from Eve Example']);
    });
  });
});
