/**
 * A worker whose job has a real effect (a ledger transition queued → submitted) and that
 * can die by SIGKILL right after the effect, before the queue hears the job finished.
 * Run as a child process by the crash-retry test (`vite-node test/helpers/effect-once-worker.ts`).
 */
import { createRedis } from '../../queues/redis-connection.js';
import { JobWorkers } from '../../queues/workers.js';
import { createLedger } from '../../src/ledger/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { JobHandlers } from '../../src/ports/job-queue.port.js';
import type { Ledger } from '../../src/ports/ledger.port.js';

/** The idempotent handler: acts only while the delivery is still queued. */
export function effectOnceHandlers(ledger: Ledger, afterEffect: () => void): JobHandlers {
  return {
    'sms-submit': async ({ deliveryId }) => {
      const delivery = await ledger.getDelivery(deliveryId);
      if (delivery?.state !== 'queued') return;
      await ledger.transition({ deliveryId, to: 'submitted', cause: 'test-effect', expectedVersion: delivery.version });
      afterEffect();
    },
  };
}

export async function startEffectWorkers(
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
  log: Logger,
  afterEffect: () => void,
): Promise<{ close(): Promise<void> }> {
  const ledger = await createLedger({ databaseUrl, dataDir: '/nonexistent', poolSize: 2 }, log);
  const redis = createRedis(redisUrl);
  const workers = new JobWorkers(redis, log, { prefix, concurrency: 1, stalledIntervalMs: 500, lockDurationMs: 1000 });
  workers.start(effectOnceHandlers(ledger, afterEffect));
  return {
    async close() {
      await workers.close();
      redis.disconnect();
      await ledger.close();
    },
  };
}

const isMain = process.env.HERALD_EFFECT_WORKER === '1';
if (isMain) {
  const [databaseUrl = '', redisUrl = '', prefix = ''] = process.argv.slice(-3);
  void startEffectWorkers(databaseUrl, redisUrl, prefix, createLogger('warn'), () => {
    // Die the hardest way right after the effect: no ack, no lock release.
    process.kill(process.pid, 'SIGKILL');
  });
}
