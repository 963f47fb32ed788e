/**
 * Fault: the SMSC is unreachable, so jobs pile up; with a small
 * HERALD_INGRESS_BACKLOG_LIMIT, SIP ingress must answer 503 with Retry-After once the
 * backlog passes the bound instead of accepting what it cannot carry, and accept again
 * once the backlog drains. The backlog is sampled at most once a second
 * (src/ingress/backlog-monitor.ts), so a burst may pass the bound by about one second of
 * traffic before the refusals start.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runLoad, statusCounts, waitAllFinal } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { waitFor } from '../../helpers/wait.js';

const BACKLOG_LIMIT = 20;
const RETRY_AFTER_SECONDS = 7;
const RATE_PER_SECOND = 20;

describe('fault: backlog above its bound', () => {
  const rig = faultRig({ sim: { receipts: { delayMs: 100 } } });

  it('answers 503 with Retry-After past the bound, and accepts again once the backlog drains', async () => {
    const { db, sim, user } = rig;
    // The SMSC refuses every bind: nothing leaves, every accepted message stays queued.
    sim.refuseBinds(3_600_000);
    const { env, prefix } = rig.gatewayEnv('backlog', {
      extra: { HERALD_INGRESS_BACKLOG_LIMIT: String(BACKLOG_LIMIT), HERALD_INGRESS_RETRY_AFTER_SECONDS: String(RETRY_AFTER_SECONDS) },
    });
    const { sipPort } = await rig.startGateway(env);

    const label = `backlog-${randomBytes(3).toString('hex')}`;
    const flood = await runLoad({ user, ports: () => [sipPort], ratePerSecond: RATE_PER_SECOND, until: () => false, maxMessages: RATE_PER_SECOND * 5, label });
    const counts = JSON.stringify(statusCounts(flood));
    expect(flood.filter((m) => m.status !== 202 && m.status !== 503), counts).toEqual([]);
    const accepted = flood.filter((m) => m.status === 202);
    const refused = flood.filter((m) => m.status === 503);
    // The bound plus at most about two samples' worth of traffic gets in.
    expect(accepted.length, counts).toBeGreaterThan(BACKLOG_LIMIT);
    expect(accepted.length, counts).toBeLessThanOrEqual(BACKLOG_LIMIT + RATE_PER_SECOND * 2);
    expect(refused.length, counts).toBeGreaterThan(0);
    for (const message of refused) {
      expect(message.retryAfter, `#${message.index}`).toBe(String(RETRY_AFTER_SECONDS));
      expect(message.warning, `#${message.index}`).toContain('GW_ERR_GATEWAY_OVERLOADED');
    }
    // Once refusing, it keeps refusing while nothing drains (no flapping back to 202).
    const firstRefusal = refused[0]?.index ?? 0;
    expect(flood.filter((m) => m.index > firstRefusal + RATE_PER_SECOND && m.status === 202).map((m) => m.index)).toEqual([]);

    // The SMSC comes back: the backlog drains and ingress accepts again.
    sim.refuseBinds(0);
    await waitAllFinal(db.url, accepted.map((m) => m.text), 60_000);
    const redis = createRedis(rig.redisUrl);
    const jobs = new BullmqJobQueue(redis, prefix);
    try {
      const drained = await waitFor(async () => {
        const backlog = await jobs.backlog();
        return backlog <= BACKLOG_LIMIT ? backlog : undefined;
      }, 30_000, `the backlog to drain (counts ${JSON.stringify(await jobs.counts())})`);
      expect(drained).toBeLessThanOrEqual(BACKLOG_LIMIT);
    } finally {
      await jobs.close();
      redis.disconnect();
    }
    // The backlog is sampled when MESSAGEs arrive: the first one after a quiet spell is
    // judged on the last (stale) sample and starts a fresh one, so it may still get 503.
    const probe = await runLoad({ user, ports: () => [sipPort], ratePerSecond: 1, until: () => false, maxMessages: 1, label: `${label}-probe` });
    expect([202, 503]).toContain(probe[0]?.status);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const later = await runLoad({ user, ports: () => [sipPort], ratePerSecond: 5, until: () => false, maxMessages: 5, label: `${label}-after` });
    expect(later.map((m) => m.status)).toEqual([202, 202, 202, 202, 202]);
    const rows = await waitAllFinal(db.url, [...accepted, ...later].map((m) => m.text), 30_000);
    for (const message of [...accepted, ...later]) expect(rows.get(message.text)?.state, message.text).toBe('delivered');

    console.info(`backlog bound ${BACKLOG_LIMIT}: flood ${counts}`);
  }, 120_000);
});
