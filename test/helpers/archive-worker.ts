/**
 * The archive worker as a process of its own, so a test can SIGKILL it mid-run:
 * `HERALD_ARCHIVE_WORKER=1 vite-node test/helpers/archive-worker.ts <databaseUrl> <redisUrl> <prefix> <archiveConfigJson>`.
 * It also runs in-process (startArchiveWorker) for tests that need no crash.
 */
import { ImapArchive } from '../../adapters/imap/archive.js';
import { createRedis } from '../../queues/redis-connection.js';
import { JobWorkers } from '../../queues/workers.js';
import { archiveSettings, createArchiveHandler } from '../../src/archive/index.js';
import { archiveSchema, type ArchiveConfig } from '../../src/config-archive.js';
import { createLedger } from '../../src/ledger/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import type { ArchiveMailboxesStatus } from '../../src/ports/archive-mailboxes.port.js';

export interface RunningArchiveWorker {
  readonly metrics: Metrics;
  status(): ArchiveMailboxesStatus;
  close(): Promise<void>;
}

export async function startArchiveWorker(databaseUrl: string, redisUrl: string, prefix: string, config: ArchiveConfig, log: Logger): Promise<RunningArchiveWorker> {
  const host = config.host;
  if (host === undefined) throw new Error('archive.host is needed');
  const ledger = await createLedger({ databaseUrl, dataDir: '/nonexistent', poolSize: 4 }, log);
  const redis = createRedis(redisUrl);
  const mailboxes = new ImapArchive({ ...config, host }, log);
  const metrics = new Metrics({ defaults: false });
  const workers = new JobWorkers(redis, log, { prefix, concurrency: config.concurrency, stalledIntervalMs: 500, lockDurationMs: 2000 });
  workers.start({ archive: createArchiveHandler({ settings: archiveSettings(config, 'herald.test'), ledger, store: ledger.archive, mailboxes, sessions: ledger.msrpSessions, metrics, log }) });
  return {
    metrics,
    status: () => mailboxes.status(),
    async close() {
      await workers.close();
      await mailboxes.close();
      redis.disconnect();
      await ledger.close();
    },
  };
}

if (process.env.HERALD_ARCHIVE_WORKER === '1') {
  const [databaseUrl = '', redisUrl = '', prefix = '', json = '{}'] = process.argv.slice(-4);
  void startArchiveWorker(databaseUrl, redisUrl, prefix, archiveSchema.parse(JSON.parse(json)), createLogger('warn'));
}
