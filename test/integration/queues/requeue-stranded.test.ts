/**
 * The stranded sweep on the real stores: BullMQ on the local Redis (a unique prefix per
 * test) and the ledger on a fresh PostgreSQL database, plus the ledger's paging on PGlite.
 * Jobs are moved by hand (a worker without a processor) so each lands in exactly the
 * state a test needs and nothing runs them.
 */
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { STRANDED_AFTER_MS, requeueStranded } from '../../../src/ingress/requeue-stranded.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { recordSmsMessage } from '../../helpers/ledger-fixtures.js';
import { createTempDataDir, type TempDataDir } from '../../helpers/pglite.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger('silent');

/** Records a message with `count` SMS deliveries (one statement: they share updated_at). */
async function record(ledger: Ledger, count = 1): Promise<string[]> {
  const to = Array.from({ length: count }, (_, i) => `+1555123000${i}`);
  return (await recordSmsMessage(ledger, { to })).deliveryIds;
}

/** As late as the sweep must be to see every delivery recorded so far as old enough. */
function later(): Date {
  return new Date(Date.now() + STRANDED_AFTER_MS + 1000);
}

describe('stranded sweep on Redis and PostgreSQL', () => {
  let db: TestDatabase;
  let ledger: Ledger;
  let redis: Redis;
  let prefix: string;
  let jobs: BullmqJobQueue;
  let hand: Worker;

  beforeAll(async () => {
    db = await createTestDatabase('requeue_stranded');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 2 }, log);
    await ledger.migrate();
    redis = createRedis(REDIS_URL);
  });

  afterAll(async () => {
    redis?.disconnect();
    await ledger?.close();
    await db?.drop();
  });

  beforeEach(() => {
    prefix = `test-${randomBytes(6).toString('hex')}`;
    jobs = new BullmqJobQueue(redis, prefix);
    hand = new Worker('sms-submit', null, { connection: redis.duplicate(), prefix, autorun: false });
  });

  afterEach(async () => {
    // The database is shared by the tests of this file: end what one test left awaiting a
    // job, or the next test's sweep would find it.
    for (const state of ['accepted', 'queued'] as const) {
      const left = await ledger.listAwaitingJob(state, later(), 10_000);
      for (const d of left.deliveries) await ledger.transition({ deliveryId: d.id, to: 'cancelled', cause: 'test-cleanup' });
    }
    await hand.close();
    await jobs.queue('sms-submit').obliterate({ force: true });
    await jobs.close();
  });

  /** Takes the next waiting job as a worker would and ends it. */
  async function finishNext(outcome: 'completed' | 'failed'): Promise<Job> {
    const token = randomBytes(4).toString('hex');
    const job = (await hand.getNextJob(token)) as Job | undefined;
    if (job === undefined) throw new Error('no job to take');
    if (outcome === 'completed') await job.moveToCompleted('done', token, false);
    // Unrecoverable: the queue's 25 attempts would otherwise turn it into a delayed retry.
    else await job.moveToFailed(new UnrecoverableError('gave up'), token, false);
    return job;
  }

  /** What Redis losing one job's data looks like to BullMQ: no hash, no entry in the wait list. */
  async function loseJob(jobId: string): Promise<void> {
    const queue = jobs.queue('sms-submit');
    await redis.del(queue.toKey(jobId), `${queue.toKey(jobId)}:logs`);
    await redis.lrem(queue.toKey('wait'), 0, jobId);
    expect(await queue.getJob(jobId)).toBeUndefined();
  }

  async function jobIdsIn(...states: ('waiting' | 'delayed' | 'active' | 'completed' | 'failed')[]): Promise<string[]> {
    const found = await jobs.queue('sms-submit').getJobs(states);
    return found.map((j) => j.id ?? '').sort();
  }

  describe('presence', () => {
    it('tells waiting, delayed and active jobs (pending) from completed or failed (ended) and missing ones, in one call', async () => {
      await jobs.enqueue('sms-submit', { deliveryId: 'c' }, { jobId: 'c' });
      await jobs.enqueue('sms-submit', { deliveryId: 'f' }, { jobId: 'f' });
      await jobs.enqueue('sms-submit', { deliveryId: 'a' }, { jobId: 'a' });
      expect((await finishNext('completed')).id).toBe('c');
      expect((await finishNext('failed')).id).toBe('f');
      const active = await hand.getNextJob('t-active');
      expect(active?.id).toBe('a');
      await jobs.enqueue('sms-submit', { deliveryId: 'w' }, { jobId: 'w' });
      await jobs.enqueue('sms-submit', { deliveryId: 'd' }, { jobId: 'd', delayMs: 600_000 });

      expect(await jobs.presence('sms-submit', ['w', 'd', 'a', 'c', 'f', 'nope'])).toEqual(['pending', 'pending', 'pending', 'ended', 'ended', 'missing']);
      expect(await jobs.presence('sms-submit', [])).toEqual([]);
      // A failed job retried (from the dashboard, say) is pending again.
      await (await jobs.queue('sms-submit').getJob('f'))?.retry('failed');
      expect(await jobs.presence('sms-submit', ['f'])).toEqual(['pending']);
      // Another queue under the same prefix holds none of them.
      expect(await jobs.presence('email-send', ['w'])).toEqual(['missing']);
    });
  });

  describe('when a job lost its Redis keys', () => {
    it('re-enqueues exactly that delivery, once, and leaves waiting and delayed jobs alone', async () => {
      const [waiting, delayed, lostAccepted, lostQueued] = await record(ledger, 4);
      if (waiting === undefined || delayed === undefined || lostAccepted === undefined || lostQueued === undefined) throw new Error('recorded fewer');
      await jobs.enqueue('sms-submit', { deliveryId: waiting }, { jobId: waiting });
      await jobs.enqueue('sms-submit', { deliveryId: delayed }, { jobId: delayed, delayMs: 600_000 });
      await jobs.enqueue('sms-submit', { deliveryId: lostAccepted }, { jobId: lostAccepted });
      await jobs.enqueue('sms-submit', { deliveryId: lostQueued }, { jobId: lostQueued });
      await ledger.transition({ deliveryId: lostQueued, to: 'queued', cause: 'worker' });
      const delayedBefore = await jobs.queue('sms-submit').getJob(delayed);
      await loseJob(lostAccepted);
      await loseJob(lostQueued);

      expect(await requeueStranded(ledger, jobs, log, later())).toBe(2);
      expect(await jobIdsIn('waiting')).toEqual([waiting, lostAccepted, lostQueued].sort());
      expect(await jobIdsIn('delayed')).toEqual([delayed]);
      const delayedAfter = await jobs.queue('sms-submit').getJob(delayed);
      expect(delayedAfter?.timestamp).toBe(delayedBefore?.timestamp);
      expect(delayedAfter?.delay).toBe(600_000);
      // The sweep adds jobs; moving deliveries is the workers' business.
      expect((await ledger.getDelivery(lostAccepted))?.state).toBe('accepted');

      expect(await requeueStranded(ledger, jobs, log, later())).toBe(0);
      expect(await jobs.queue('sms-submit').count()).toBe(4);
    });
  });

  describe('when Redis lost all its data', () => {
    it('re-enqueues every accepted and queued delivery, and none that has left Herald', async () => {
      const [accepted, queued, submitted] = await record(ledger, 3);
      if (accepted === undefined || queued === undefined || submitted === undefined) throw new Error('recorded fewer');
      await ledger.transition({ deliveryId: queued, to: 'queued', cause: 'worker' });
      await ledger.transition({ deliveryId: submitted, to: 'queued', cause: 'worker' });
      await ledger.transition({ deliveryId: submitted, to: 'submitted', cause: 'smpp:submit_sm_resp' });
      // Nothing was ever queued under this prefix: as after a FLUSHALL.

      await requeueStranded(ledger, jobs, log, later());
      const waiting = await jobIdsIn('waiting');
      expect(waiting).toEqual(expect.arrayContaining([accepted, queued]));
      expect(waiting).not.toContain(submitted);
      expect(await requeueStranded(ledger, jobs, log, later())).toBe(0);
    });
  });

  describe('when a job failed for good while its delivery stayed queued', () => {
    it('re-enqueues it under a new id, since the failed id would be a no-op', async () => {
      const [id] = await record(ledger);
      if (id === undefined) throw new Error('recorded none');
      await jobs.enqueue('sms-submit', { deliveryId: id }, { jobId: id });
      const queued = await ledger.transition({ deliveryId: id, to: 'queued', cause: 'worker' });
      await finishNext('failed');
      expect(await jobs.presence('sms-submit', [id])).toEqual(['ended']);

      expect(await requeueStranded(ledger, jobs, log, later())).toBe(1);
      expect(await jobIdsIn('waiting')).toEqual([`${id}-v${queued.version}`]);
      expect(await jobIdsIn('failed')).toEqual([id]);
      expect(await requeueStranded(ledger, jobs, log, later())).toBe(0);
    });
  });

  describe('when several nodes sweep at once', () => {
    it('adds one job per stranded delivery', async () => {
      const ids = await record(ledger, 20);
      const at = later();
      await Promise.all([requeueStranded(ledger, jobs, log, at), requeueStranded(ledger, jobs, log, at), requeueStranded(ledger, jobs, log, at)]);
      expect(await jobIdsIn('waiting')).toEqual([...ids].sort());
    });
  });
});

describe.each([
  ['PostgreSQL', 'postgres'],
  ['PGlite', 'pglite'],
] as const)('ledger listAwaitingJob on %s', (_label, backend) => {
  let ledger: Ledger;
  let db: TestDatabase | undefined;
  let dataDir: TempDataDir | undefined;

  beforeAll(async () => {
    if (backend === 'postgres') {
      db = await createTestDatabase('awaiting_job');
      ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 2 }, log);
    } else {
      dataDir = await createTempDataDir('awaiting-job');
      ledger = await createLedger({ dataDir: dataDir.dir, poolSize: 1 }, log);
    }
    await ledger.migrate();
  });

  afterAll(async () => {
    await ledger?.close();
    await db?.drop();
    await dataDir?.remove();
  });

  it('pages through one state oldest first, each delivery once, even when deliveries share one updated_at', async () => {
    const first = await record(ledger, 5);
    const second = await record(ledger, 2);
    const [movedOn] = await record(ledger, 1);
    if (movedOn === undefined) throw new Error('recorded none');
    await ledger.transition({ deliveryId: movedOn, to: 'queued', cause: 'worker' });
    const before = later();

    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await ledger.listAwaitingJob('accepted', before, 2, after);
      seen.push(...page.deliveries.map((d) => d.id));
      expect(page.deliveries.every((d) => d.state === 'accepted')).toBe(true);
      after = page.next;
      pages += 1;
    } while (after !== undefined && pages < 20);

    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set([...first, ...second]));
    // Oldest first: every delivery of the first message before those of the second.
    expect(seen.slice(0, 5).sort()).toEqual([...first].sort());
    expect((await ledger.listAwaitingJob('queued', before, 10)).deliveries.map((d) => d.id)).toEqual([movedOn]);
    // Nothing is old enough before it was recorded.
    expect((await ledger.listAwaitingJob('accepted', new Date(0), 10)).deliveries).toEqual([]);
  });
});
