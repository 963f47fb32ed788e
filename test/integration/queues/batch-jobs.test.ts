import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { JobWorkers } from '../../../queues/workers.js';
import { heraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { waitFor } from '../../helpers/wait.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger('silent');

describe('a channel job that carries many deliveries (real Redis)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start(handler: (deliveryId: string, attempt: number, jobId: string) => Promise<void>): Promise<BullmqJobQueue> {
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const redis = createRedis(REDIS_URL);
    const jobs = new BullmqJobQueue(redis, prefix);
    const workers = new JobWorkers(redis, log, { prefix, requeue: jobs });
    workers.start({ 'sms-submit': ({ deliveryId }, { attempt, jobId }) => handler(deliveryId, attempt, jobId) });
    closers.push(async () => {
      await workers.close();
      await jobs.close();
      redis.disconnect();
    });
    return jobs;
  }

  it('runs the handler once per delivery under the one job, which completes', async () => {
    const runs: { deliveryId: string; jobId: string }[] = [];
    const jobs = await start(async (deliveryId, _attempt, jobId) => {
      runs.push({ deliveryId, jobId });
    });
    await jobs.enqueueBatch('sms-submit', ['d1', 'd2', 'd3'], { jobId: 'b-1' });
    await waitFor(async () => (runs.length === 3 ? runs : undefined), 10_000);
    expect(runs.map((r) => r.deliveryId).sort()).toEqual(['d1', 'd2', 'd3']);
    expect(new Set(runs.map((r) => r.jobId))).toEqual(new Set(['b-1']));
    const job = await jobs.queue('sms-submit').getJob('b-1');
    await waitFor(async () => ((await job?.getState()) === 'completed' ? true : undefined), 10_000);
    // Added once: the same id again is a no-op, as for single jobs.
    await jobs.enqueueBatch('sms-submit', ['d1', 'd2', 'd3'], { jobId: 'b-1' });
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toHaveLength(3);
  });

  it('hands a delivery that must retry to a job of its own, and leaves a permanent failure failed', async () => {
    const runs: { deliveryId: string; attempt: number; jobId: string }[] = [];
    const jobs = await start(async (deliveryId, attempt, jobId) => {
      runs.push({ deliveryId, attempt, jobId });
      if (deliveryId === 'flaky' && jobId === 'b-2') throw heraldError('GW_ERR_SMPP_THROTTLED', 'slow down', { meta: { retryAfterMs: 50 } });
      if (deliveryId === 'bad') throw heraldError('GW_ERR_LEDGER_NOT_FOUND', 'delivery bad');
    });
    await jobs.enqueueBatch('sms-submit', ['ok', 'flaky', 'bad'], { jobId: 'b-2' });
    const retried = await waitFor(async () => runs.find((r) => r.deliveryId === 'flaky' && r.jobId === 'flaky'), 10_000);
    // Its own job, under its delivery id (the stranded sweep's next candidate), a first run.
    expect(retried.attempt).toBe(1);
    expect(runs.filter((r) => r.deliveryId === 'ok')).toHaveLength(1);
    expect(runs.filter((r) => r.deliveryId === 'bad')).toHaveLength(1);
    expect(await (await jobs.queue('sms-submit').getJob('bad'))?.getState()).toBeUndefined();
    const batch = await jobs.queue('sms-submit').getJob('b-2');
    expect(await batch?.getState()).toBe('completed');
  });

  it('counts a waiting batch job as its deliveries in the backlog, and forgets it once it ran', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const redis = createRedis(REDIS_URL);
    const jobs = new BullmqJobQueue(redis, prefix);
    closers.push(async () => {
      await jobs.close();
      redis.disconnect();
    });
    await jobs.enqueueBatch('sms-submit', ['a', 'b', 'c', 'd'], { jobId: 'b-4' });
    await jobs.enqueueBatch('email-send', ['e'], { jobId: 'b-4' });
    await jobs.enqueue('sms-submit', { deliveryId: 'f' }, { jobId: 'f' });
    expect(await jobs.backlog()).toBe(6);
    // Run them: the batch's size entry goes with its job.
    const workers = new JobWorkers(redis, log, { prefix, requeue: jobs });
    const seen: string[] = [];
    workers.start({
      'sms-submit': async ({ deliveryId }) => void seen.push(deliveryId),
      'email-send': async ({ deliveryId }) => void seen.push(deliveryId),
    });
    closers.push(() => workers.close());
    await waitFor(async () => (seen.length === 6 ? true : undefined), 10_000);
    await waitFor(async () => ((await jobs.backlog()) === 0 ? true : undefined), 10_000);
    expect(await redis.hlen(jobs.queue('sms-submit').toKey('herald:batch-sizes'))).toBe(0);
  });

  it('fails the batch, to run it again, when a delivery cannot be handed to its own job', async () => {
    const runs: { deliveryId: string; jobId: string }[] = [];
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const redis = createRedis(REDIS_URL);
    const jobs = new BullmqJobQueue(redis, prefix);
    let handOffs = 0;
    const requeue = {
      enqueueBulk: async (...args: Parameters<BullmqJobQueue['enqueueBulk']>): Promise<void> => {
        handOffs += 1;
        if (handOffs === 1) throw new Error('redis went away');
        await jobs.enqueueBulk(...args);
      },
    };
    const workers = new JobWorkers(redis, log, { prefix, requeue });
    workers.start({
      'sms-submit': async ({ deliveryId }, { jobId }) => {
        runs.push({ deliveryId, jobId });
        if (deliveryId === 'flaky' && jobId === 'b-3') throw heraldError('GW_ERR_SMPP_THROTTLED', 'slow down', { meta: { retryAfterMs: 50 } });
      },
    });
    closers.push(async () => {
      await workers.close();
      await jobs.close();
      redis.disconnect();
    });
    await jobs.enqueueBatch('sms-submit', ['ok', 'flaky'], { jobId: 'b-3' });
    await waitFor(async () => runs.find((r) => r.deliveryId === 'flaky' && r.jobId === 'flaky'), 15_000);
    // The batch ran twice (the hand-off failed once), so `ok` ran twice: handlers are idempotent.
    expect(runs.filter((r) => r.jobId === 'b-3' && r.deliveryId === 'ok')).toHaveLength(2);
    expect(handOffs).toBe(2);
  });
});
