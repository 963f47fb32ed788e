/**
 * The archived copy of a message received in an MSRP session names its session
 * (X-Herald-Session); a page-mode message of the same conversation has no such header. Real Dovecot, real ledger, the
 * archive worker as main.ts wires it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import { archivePrefix, archivingLedger, deleteArchive, headerValues, readArchive, recordConversationMessage, testArchiveConfig, type ArchivedMail } from '../../helpers/archive-harness.js';
import { startArchiveWorker, type RunningArchiveWorker } from '../../helpers/archive-worker.js';
import { ensureMailServers } from '../../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger('silent');
const USER = 'sip:ida@corp.test';
const PEER = 'tel:+15550400001';

describe('IMAP archive of session messages', () => {
  let db: TestDatabase;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  let redis: Redis;
  let jobs: BullmqJobQueue;
  let worker: RunningArchiveWorker | undefined;
  let mails: ArchivedMail[] = [];
  const chat: string[] = [];
  let pageMode = '';
  const prefix = archivePrefix('session');
  const queuePrefix = `test-${randomBytes(6).toString('hex')}`;
  const started = new Date(Date.UTC(2026, 11, 7, 1, 0, 0));

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('archive_session_header');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 4 }, log);
    await ledger.migrate();
    await ledger.directory.upsert({ imUri: USER, archiveEnabled: true });
    redis = createRedis(REDIS_URL);
    jobs = new BullmqJobQueue(redis, queuePrefix);
    const config = testArchiveConfig({ folder: `${prefix}/{user}` });
    const { ledger: archiving } = archivingLedger(ledger, ledger.archive, jobs, config, log);
    const spec = (text: string, minute: number) => ({ user: USER, peer: PEER, direction: 'mt' as const, channel: 'sms' as const, text, sentAt: new Date(started.getTime() + minute * 60_000), final: 'delivered' as const });
    // Recorded and linked before the worker starts: the session service links a message
    // before it answers 200, long before its delivery ends.
    await ledger.msrpSessions.opened({ id: 'sessArch1', callId: 'chat-1@client', imUser: USER, farParty: PEER, largeMessageMode: false, secure: true, node: '127.0.0.1:2855', startedAt: started });
    for (const [i, text] of ['chat one', 'chat two'].entries()) {
      const { messageId } = await recordConversationMessage(archiving, spec(text, i + 1));
      await ledger.msrpSessions.linkMessage('sessArch1', messageId);
      chat.push(messageId);
    }
    pageMode = (await recordConversationMessage(archiving, spec('page mode', 5))).messageId;
    worker = await startArchiveWorker(db.url, REDIS_URL, queuePrefix, config, log);
    await waitFor(async () => ((await ledger.archive.lag()).count === 0 ? true : undefined), 100_000, 'archive drained');
    mails = await readArchive(prefix);
  }, 150_000);

  afterAll(async () => {
    await worker?.close();
    await jobs?.queue('archive').obliterate({ force: true }).catch(() => undefined);
    await jobs?.close();
    redis?.disconnect();
    await ledger?.close();
    await db?.drop();
    await deleteArchive(prefix);
  });

  /** The archived message (not its reports) of Herald message `id`. */
  const mailOf = (id: string): ArchivedMail | undefined =>
    mails.find((m) => headerValues(m.headers, 'X-Herald-Message-Id').includes(id) && headerValues(m.headers, 'X-Herald-Report').length === 0);

  describe('when a message came in an MSRP session', () => {
    it('carries X-Herald-Session with the session id, its Call-ID, transport and start', () => {
      for (const id of chat) {
        expect(headerValues(mailOf(id)?.headers ?? '', 'X-Herald-Session')).toEqual(['sessArch1; call-id=chat-1@client; transport=msrps; started=2026-12-07T01:00:00.000Z']);
      }
    });
  });

  describe('when a message came in page mode', () => {
    it('has no session header', () => {
      const mail = mailOf(pageMode);
      expect(mail).toBeDefined();
      expect(headerValues(mail?.headers ?? '', 'X-Herald-Session')).toEqual([]);
    });
  });
});
