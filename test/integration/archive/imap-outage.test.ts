import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { archiveReadiness, archiveSettings } from '../../../src/archive/index.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import {
  archivePrefix,
  archivingLedger,
  deleteArchive,
  expectedArchiveIds,
  readArchive,
  recordConversationMessage,
  testArchiveConfig,
  type MessageSpec,
} from '../../helpers/archive-harness.js';
import { startArchiveWorker, type RunningArchiveWorker } from '../../helpers/archive-worker.js';
import { ensureMailServers, mailSettings } from '../../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { waitFor } from '../../helpers/wait.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger('silent');
const USER = 'sip:dee@corp.test';

function spec(i: number): MessageSpec {
  return {
    user: USER,
    peer: i % 2 === 0 ? 'tel:+15550200001' : 'mailto:quinn@example.test',
    direction: i % 3 === 0 ? 'mo' : 'mt',
    channel: i % 2 === 0 ? 'sms' : 'email',
    text: `outage run message ${i}`,
    sentAt: new Date(Date.UTC(2024, 5, 1, 9, 0, i)),
    final: 'delivered',
  };
}

describe('IMAP archive', () => {
  let db: TestDatabase;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  let redis: Redis;
  let jobs: BullmqJobQueue;
  let proxy: TcpProxy;
  let worker: RunningArchiveWorker | undefined;
  const prefix = archivePrefix('outage');
  const queuePrefix = `test-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('archive_outage');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 6 }, log);
    await ledger.migrate();
    await ledger.directory.upsert({ imUri: USER, archiveEnabled: true });
    redis = createRedis(REDIS_URL);
    jobs = new BullmqJobQueue(redis, queuePrefix);
    proxy = await startTcpProxy({ host: mailSettings.host, port: mailSettings.imapPort });
  });

  afterAll(async () => {
    await worker?.close();
    await proxy?.close();
    await jobs?.queue('archive').obliterate({ force: true }).catch(() => undefined);
    await jobs?.close();
    redis?.disconnect();
    await ledger?.close();
    await db?.drop();
    await deleteArchive(prefix);
  });

  describe('when the archive server is unreachable for a while', () => {
    it('keeps the backlog, shows the lag, and drains it exactly once when the server is back', async () => {
      const config = testArchiveConfig({ host: proxy.host, port: proxy.port, folder: `${prefix}/{user}/{peer}`, responseTimeoutMs: 2000, connectionTimeoutMs: 1000 });
      const settings = archiveSettings(config, 'herald.test');
      const { ledger: archiving } = archivingLedger(ledger, ledger.archive, jobs, config, log);
      const running = await startArchiveWorker(db.url, REDIS_URL, queuePrefix, config, log);
      worker = running;

      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push((await recordConversationMessage(archiving, spec(i))).messageId);
      await waitFor(async () => ((await ledger.archive.lag()).count === 0 ? true : undefined), 40_000, 'first wave archived');

      proxy.pause();
      for (let i = 60; i < 160; i++) ids.push((await recordConversationMessage(archiving, spec(i))).messageId);
      // Every try meets a dead port: the work stays due, and /readyz says how far behind it is.
      await waitFor(async () => (running.status().lastError !== undefined ? true : undefined), 15_000, 'a failed append');
      await new Promise((r) => setTimeout(r, 3000));
      const lag = await ledger.archive.lag();
      expect(lag.count).toBe(100);
      expect(Date.now() - (lag.oldestSince?.getTime() ?? Date.now())).toBeGreaterThanOrEqual(2500);
      expect(await archiveReadiness(settings, ledger.archive, running.status())).toMatch(/^lagging: 100 messages, oldest \d+ s; last error: /);
      expect(await running.metrics.archiveAppends.get()).toMatchObject({ values: expect.arrayContaining([expect.objectContaining({ labels: { outcome: 'failed' } })]) });

      proxy.resume();
      await waitFor(async () => ((await ledger.archive.lag()).count === 0 ? true : undefined), 40_000, 'backlog drained');
      expect(await archiveReadiness(settings, ledger.archive, running.status())).toBe('up (nothing waiting)');

      const expected = await expectedArchiveIds(ledger, ids);
      const mails = await readArchive(prefix);
      expect(mails.map((m) => m.messageId).sort()).toEqual([...expected].sort());
    });
  });
});
