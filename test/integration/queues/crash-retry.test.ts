import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { startEffectWorkers } from '../../helpers/effect-once-worker.js';
import { recordSmsMessage } from '../../helpers/ledger-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger('silent');


describe('queue workers', () => {
  let db: TestDatabase;
  let ledger: Ledger;

  beforeAll(async () => {
    db = await createTestDatabase('crash_retry');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 2 }, log);
    await ledger.migrate();
  });

  afterAll(async () => {
    await ledger?.close();
    await db?.drop();
  });

  describe('when a worker process is killed mid-job', () => {
    it('retries the job on another worker and the effect happens once', async () => {
      const prefix = `test-${randomBytes(6).toString('hex')}`;
      const { messageId, deliveryIds: [deliveryId = ''] } = await recordSmsMessage(ledger);
      await ledger.transition({ deliveryId, to: 'queued', cause: 'ingress' });

      const redis = createRedis(REDIS_URL);
      const jobs = new BullmqJobQueue(redis, prefix);
      try {
        await jobs.enqueue('sms-submit', { deliveryId }, { jobId: deliveryId });

        const child = spawn('node_modules/.bin/vite-node', ['test/helpers/effect-once-worker.ts', db.url, REDIS_URL, prefix], {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, HERALD_EFFECT_WORKER: '1' },
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const signal = await new Promise<string | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
        expect(signal, stderr).toBe('SIGKILL');

        // The effect happened, but the queue never heard the job finish.
        expect((await ledger.getDelivery(deliveryId))?.state).toBe('submitted');
        const job = await jobs.queue('sms-submit').getJob(deliveryId);
        expect(await job?.getState()).toBe('active');

        const survivor = await startEffectWorkers(db.url, REDIS_URL, prefix, log, () => undefined);
        try {
          const state = await waitFor(async () => {
            const s = await (await jobs.queue('sms-submit').getJob(deliveryId))?.getState();
            return s === 'completed' ? s : undefined;
          }, 20_000);
          expect(state).toBe('completed');
        } finally {
          await survivor.close();
        }

        const events = await ledger.listEvents(messageId);
        expect(events.filter((e) => e.toState === 'submitted')).toHaveLength(1);
        expect((await ledger.getDelivery(deliveryId))?.state).toBe('submitted');
      } finally {
        await jobs.queue('sms-submit').obliterate({ force: true });
        await jobs.close();
        redis.disconnect();
      }
    });
  });
});
