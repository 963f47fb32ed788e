import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ImapFlow, SearchObject } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { archiveMessageId, threadRootId } from '../../../src/archive/index.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import {
  ARCHIVE_DOMAIN,
  ARCHIVE_USER,
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
import { ensureMailServers, imapClient } from '../../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger('silent');
const EVE = 'sip:eve@corp.test';
const FAY = 'sip:fay@corp.test';
const GUS = 'sip:gus@other.test';
const PEER_A = 'tel:+15550300001';
const PEER_B = 'tel:+15550300002';
const PEER_C = 'mailto:hal@example.test';

const march = (day: number, hour = 12): Date => new Date(Date.UTC(2024, 2, day, hour));

interface Recorded {
  readonly spec: MessageSpec;
  readonly messageId: string;
}

describe('IMAP archive', () => {
  let db: TestDatabase;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  let redis: Redis;
  let jobs: BullmqJobQueue;
  let worker: RunningArchiveWorker | undefined;
  let client: ImapFlow | undefined;
  let mails: ArchivedMail[] = [];
  const recorded: Recorded[] = [];
  const prefix = archivePrefix('retrieval');
  const queuePrefix = `test-${randomBytes(6).toString('hex')}`;
  const eveFolder = `${prefix}/eve@corp_test`;

  const base = { text: '', final: 'delivered' as const };
  const specs: MessageSpec[] = [
    ...Array.from({ length: 10 }, (_, i): MessageSpec => ({
      ...base,
      user: EVE,
      peer: [PEER_A, PEER_B, PEER_C][i % 3] ?? PEER_A,
      direction: i % 2 === 0 ? 'mt' : 'mo',
      channel: i % 3 === 2 ? 'email' : 'sms',
      text: i === 4 ? 'meet me in zanzibar at noon' : `eve conversation line ${i}`,
      sentAt: march(i + 1),
      imdn: i === 0,
      final: i === 3 ? 'failed' : 'delivered',
    })),
    { ...base, user: EVE, peer: PEER_B, direction: 'mt', channel: 'sms', text: '', sentAt: march(20), contentType: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]) },
    { ...base, user: EVE, peer: PEER_C, direction: 'mt', channel: 'email', text: 'subject test', sentAt: march(21), subject: 'Hello\r\nBcc: evil@attacker.test' },
    ...[1, 2, 3, 4, 5].map((d): MessageSpec => ({ ...base, user: FAY, peer: PEER_A, direction: d % 2 === 0 ? 'mo' : 'mt', channel: 'sms', text: `fay ${d}`, sentAt: march(d) })),
    ...[1, 2, 3].map((d): MessageSpec => ({ ...base, user: GUS, peer: PEER_A, direction: 'mt', channel: 'sms', text: `gus ${d}`, sentAt: march(d) })),
  ];

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('archive_retrieval');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 6 }, log);
    await ledger.migrate();
    await ledger.directory.upsert({ imUri: EVE, displayName: 'Eve', archiveEnabled: true });
    await ledger.directory.upsert({ imUri: FAY, archiveEnabled: false });
    redis = createRedis(REDIS_URL);
    jobs = new BullmqJobQueue(redis, queuePrefix);
    const config = testArchiveConfig({ folder: `${prefix}/{user}` });
    const { ledger: archiving } = archivingLedger(ledger, ledger.archive, jobs, config, log);
    worker = await startArchiveWorker(db.url, REDIS_URL, queuePrefix, config, log);
    for (const spec of specs) recorded.push({ spec, messageId: (await recordConversationMessage(archiving, spec)).messageId });
    await waitFor(async () => ((await ledger.archive.lag()).count === 0 ? true : undefined), 100_000, 'archive drained'); // generous: CI machines are slow
    mails = await readArchive(prefix);
    client = await imapClient(ARCHIVE_USER);
    await client.mailboxOpen(eveFolder);
  });

  afterAll(async () => {
    await client?.logout().catch(() => undefined);
    await worker?.close();
    await jobs?.queue('archive').obliterate({ force: true }).catch(() => undefined);
    await jobs?.close();
    redis?.disconnect();
    await ledger?.close();
    await db?.drop();
    await deleteArchive(prefix);
  });

  const idOf = (r: Recorded): string => archiveMessageId(r.messageId, ARCHIVE_DOMAIN);
  const eveMessages = (): Recorded[] => recorded.filter((r) => r.spec.user === EVE);

  /** Message-IDs of the mails in Eve's folder matching `query`. */
  async function search(query: SearchObject): Promise<string[]> {
    const active = client;
    if (active === undefined) throw new Error('no client');
    const uids = await active.search(query, { uid: true });
    if (!Array.isArray(uids) || uids.length === 0) return [];
    const found = await active.fetchAll(uids, { uid: true, envelope: true }, { uid: true });
    return found.map((m) => m.envelope?.messageId ?? '').sort();
  }

  describe('when a user has the archive disabled or is not in the directory', () => {
    it('appends nothing for them', () => {
      expect(new Set(mails.map((m) => m.folder))).toEqual(new Set([eveFolder]));
      for (const user of [FAY, GUS]) expect(mails.filter((m) => headerValues(m.headers, 'X-Herald-User').includes(user))).toEqual([]);
      expect(mails.filter((m) => headerValues(m.headers, 'X-Herald-Report').length === 0)).toHaveLength(eveMessages().length);
    });
  });

  describe('when searching the archive with plain IMAP SEARCH', () => {
    it('finds a peer\'s messages by From/To, without the reports', async () => {
      const expected = eveMessages().filter((r) => r.spec.peer === PEER_A).map(idOf).sort();
      expect(expected.length).toBeGreaterThan(2);
      expect(await search({ or: [{ from: '+15550300001' }, { to: '+15550300001' }] })).toEqual(expected);
    });

    it('finds messages by their original date, and by peer and date together', async () => {
      const inRange = (r: Recorded): boolean => r.spec.sentAt >= march(3, 0) && r.spec.sentAt < march(7, 0);
      // Herald's own mails (reports, conversation roots) carry X-Herald-Report: NOT HEADER leaves them out.
      const messagesOnly = { not: { header: { 'X-Herald-Report': true } } };
      expect(await search({ since: march(3, 0), before: march(7, 0), ...messagesOnly })).toEqual(eveMessages().filter(inRange).map(idOf).sort());
      expect(await search({ sentSince: march(3, 0), sentBefore: march(7, 0), ...messagesOnly })).toEqual(eveMessages().filter(inRange).map(idOf).sort());
      const both = eveMessages().filter((r) => inRange(r) && r.spec.peer === PEER_B).map(idOf).sort();
      expect(both).toHaveLength(1);
      expect(await search({ since: march(3, 0), before: march(7, 0), or: [{ from: '+15550300002' }, { to: '+15550300002' }] })).toEqual(both);
    });

    it('finds a message by a word of its text', async () => {
      const zanzibar = eveMessages().find((r) => r.spec.text.includes('zanzibar'));
      expect(zanzibar).toBeDefined();
      expect(await search({ body: 'zanzibar' })).toEqual([idOf(zanzibar as Recorded)]);
    });
  });

  describe('when reading the archived mails', () => {
    it('makes one conversation one thread: every mail names the conversation root, which is there once', () => {
      for (const peer of [PEER_A, PEER_B, PEER_C]) {
        const root = threadRootId(EVE, peer, ARCHIVE_DOMAIN);
        expect(mails.filter((m) => m.messageId === root).map((m) => headerValues(m.headers, 'X-Herald-Report'))).toEqual([['conversation']]);
        const ids = new Set(eveMessages().filter((r) => r.spec.peer === peer).map(idOf));
        const thread = mails.filter((m) => ids.has(m.messageId));
        expect(thread).toHaveLength(ids.size);
        for (const mail of thread) {
          expect(headerValues(mail.headers, 'In-Reply-To')).toEqual([root]);
          expect(headerValues(mail.headers, 'References')).toEqual([root]);
        }
      }
      expect(new Set([PEER_A, PEER_B, PEER_C].map((p) => threadRootId(EVE, p, ARCHIVE_DOMAIN))).size).toBe(3);
    });

    it('files each disposition as a report replying to its message in the same thread', () => {
      const first = eveMessages()[0] as Recorded;
      const reports = mails.filter((m) => headerValues(m.headers, 'In-Reply-To').includes(idOf(first)));
      expect(reports.map((r) => headerValues(r.headers, 'X-Herald-Report')[0]).sort()).toEqual(['imdn-sent', 'state']);
      for (const report of reports) expect(headerValues(report.headers, 'References')).toEqual([`${threadRootId(EVE, PEER_A, ARCHIVE_DOMAIN)} ${idOf(first)}`]);
      const failed = eveMessages()[3] as Recorded;
      const failure = mails.find((m) => headerValues(m.headers, 'In-Reply-To').includes(idOf(failed)));
      expect(failure && headerValues(failure.headers, 'X-Herald-Final-Status')).toEqual(['failed']);
      // Every final state and IMDN of Eve's messages, once: 12 final states + 1 IMDN.
      const reportKinds = mails.flatMap((m) => headerValues(m.headers, 'X-Herald-Report'));
      expect(reportKinds.filter((kind) => kind !== 'conversation')).toHaveLength(13);
    });

    it('carries the X-Herald headers, the original date and the non-text content', () => {
      const mo = eveMessages()[1] as Recorded;
      const mail = mails.find((m) => m.messageId === idOf(mo));
      const headers = mail?.headers ?? '';
      expect(headerValues(headers, 'X-Herald-Direction')).toEqual(['mo']);
      expect(headerValues(headers, 'X-Herald-Channel')).toEqual(['sms']);
      expect(headerValues(headers, 'X-Herald-Message-Id')).toEqual([mo.messageId]);
      // The header is the state when the mail was appended (hand-off, or already final when
      // the worker ran late); the final state always follows as a report in the thread.
      expect(headerValues(headers, 'X-Herald-Delivery')[0]).toMatch(/; channel=sip; to=sip:eve@corp\.test; state=(submitted|delivered)$/);
      expect(headerValues(headers, 'Date')).toEqual(['Sat, 02 Mar 2024 12:00:00 +0000']);
      const image = recorded.find((r) => r.spec.contentType === 'image/png') as Recorded;
      expect(headerValues(mails.find((m) => m.messageId === idOf(image))?.headers ?? '', 'Content-Type')[0]).toMatch(/^multipart\/mixed; boundary=/);
    });

    it('keeps a subject with CR/LF on one header line', () => {
      const injected = recorded.find((r) => r.spec.subject !== undefined) as Recorded;
      const headers = mails.find((m) => m.messageId === idOf(injected))?.headers ?? '';
      expect(headerValues(headers, 'Bcc')).toEqual([]);
      expect(headerValues(headers, 'Subject')).toEqual(['Hello Bcc: evil@attacker.test']);
    });
  });
});
