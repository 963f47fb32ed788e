import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import type { Redis } from 'ioredis';
import {
  archivePrefix,
  archivingLedger,
  deleteArchive,
  expectedArchiveIds,
  headerValues,
  readArchive,
  recordConversationMessage,
  testArchiveConfig,
  type MessageSpec,
} from '../../helpers/archive-harness.js';
import { ensureMailServers } from '../../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger('silent');
const TOTAL = 1000;
const USERS = ['sip:ann@corp.test', 'sip:ben@corp.test', 'sip:cat@corp.test'];
const PEERS = ['tel:+15550100001', 'tel:+15550100002', 'mailto:pat@example.test'];

type TestLedger = Awaited<ReturnType<typeof createLedger>>;

/** Message i of the run: users, peers, directions and channels rotate. */
function spec(i: number): MessageSpec {
  const peer = PEERS[Math.floor(i / USERS.length) % PEERS.length] ?? '';
  return {
    user: USERS[i % USERS.length] ?? '',
    peer,
    direction: i % 2 === 0 ? 'mt' : 'mo',
    channel: peer.startsWith('tel:') ? 'sms' : 'email',
    text: `message ${i} of the crash run`,
    sentAt: new Date(Date.UTC(2024, 4, 1, 8, 0, 0) + i * 60_000),
    // A third reach a final state (receipts of the rest still pending), some with an IMDN.
    final: i % 3 !== 0 ? 'pending' : i % 9 === 0 ? 'failed' : 'delivered',
    imdn: i % 15 === 0,
  };
}

describe('IMAP archive', () => {
  let db: TestDatabase;
  let ledger: TestLedger;
  let redis: Redis;
  let jobs: BullmqJobQueue;
  let probe: pg.Client;
  const prefix = archivePrefix('crash');
  const queuePrefix = `test-${randomBytes(6).toString('hex')}`;
  const config = testArchiveConfig({ folder: `${prefix}/{user}/{peer}`, concurrency: 32, maxConnections: 4, batchSize: 25 });

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('archive_crash');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 8 }, log);
    await ledger.migrate();
    for (const imUri of USERS) await ledger.directory.upsert({ imUri, archiveEnabled: true });
    redis = createRedis(REDIS_URL);
    jobs = new BullmqJobQueue(redis, queuePrefix);
    probe = new pg.Client({ connectionString: db.url });
    await probe.connect();
  });

  afterAll(async () => {
    await probe?.end();
    await jobs?.queue('archive').obliterate({ force: true }).catch(() => undefined);
    await jobs?.close();
    redis?.disconnect();
    await ledger?.close();
    await db?.drop();
    await deleteArchive(prefix);
  });

  function startWorker(): { child: ChildProcess; exited: Promise<string | null>; stderr: () => string } {
    const child = spawn('node_modules/.bin/vite-node', ['test/helpers/archive-worker.ts', db.url, REDIS_URL, queuePrefix, JSON.stringify(config)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, HERALD_ARCHIVE_WORKER: '1' },
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    return { child, exited, stderr: () => stderr };
  }

  async function archivedCount(): Promise<number> {
    const result = await probe.query<{ n: number }>('select count(*)::int as n from archive_items');
    return result.rows[0]?.n ?? 0;
  }

  describe('when the worker is killed twice during a run of 1,000 messages', () => {
    it('archives every message and report exactly once, in its conversation folder and thread', async () => {
      const { ledger: archiving } = archivingLedger(ledger, ledger.archive, jobs, config, log);
      const ids: string[] = [];
      const specs = Array.from({ length: TOTAL }, (_, i) => spec(i));
      // Recorded 20 at a time, as concurrent channel workers would.
      for (let i = 0; i < TOTAL; i += 20) {
        const batch = await Promise.all(specs.slice(i, i + 20).map((s) => recordConversationMessage(archiving, s)));
        ids.push(...batch.map((b) => b.messageId));
      }
      const expected = await expectedArchiveIds(ledger, ids);
      expect(expected.size).toBeGreaterThan(TOTAL + TOTAL / 3);

      let kills = 0;
      for (const fraction of [0.2, 0.55]) {
        const worker = startWorker();
        await waitFor(async () => ((await archivedCount()) >= expected.size * fraction ? true : undefined), 40_000, `${fraction} archived`);
        worker.child.kill('SIGKILL');
        expect(await worker.exited, worker.stderr()).toBe('SIGKILL');
        kills += 1;
      }
      expect(kills).toBe(2);
      expect(await archivedCount()).toBeLessThan(expected.size);

      const survivor = startWorker();
      try {
        await waitFor(async () => ((await ledger.archive.lag()).count === 0 ? true : undefined), 45_000, 'archive drained');
      } finally {
        survivor.child.kill('SIGTERM');
        await survivor.exited;
      }

      const mails = await readArchive(prefix);
      const counts = new Map<string, number>();
      for (const mail of mails) counts.set(mail.messageId, (counts.get(mail.messageId) ?? 0) + 1);
      const duplicates = [...counts].filter(([, n]) => n > 1);
      expect(duplicates).toEqual([]);
      expect(new Set(counts.keys())).toEqual(expected);
      expect(mails).toHaveLength(expected.size);

      // 3 users × 3 peers: one folder per conversation, and every mail in it one thread
      // under the conversation's root mail (appended once, despite the kills).
      const folders = new Set(mails.map((m) => m.folder));
      expect(folders.size).toBe(USERS.length * PEERS.length);
      for (const folder of folders) {
        const inFolder = mails.filter((m) => m.folder === folder);
        const roots = new Set(inFolder.map((m) => headerValues(m.headers, 'References')[0]?.split(/\s+/)[0] ?? m.messageId));
        expect(roots.size, folder).toBe(1);
        expect(inFolder.filter((m) => roots.has(m.messageId)), folder).toHaveLength(1);
      }
      expect(folders).toContain(`${prefix}/ann@corp_test/+15550100001`);
    }, 180_000); // recording 1,000 messages, two kills and the drain take ~55 s alone, more on a loaded CI machine
  });
});
