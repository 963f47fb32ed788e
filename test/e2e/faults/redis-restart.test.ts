/**
 * Fault: Redis (the queues) goes away under a steady SIP → SMS load and comes back on the
 * same port with its data (a restart with AOF on). A private redis-server: the shared one
 * on 6379 serves every other test file.
 *
 * Herald's promise: while Redis is down, SIP ingress answers 503 with Retry-After (it
 * cannot queue, and does not buffer commands it cannot send) or 202 for what it could
 * still queue; /readyz reports redis down, then up again; every acknowledged message
 * reaches its final state once Redis is back.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadThroughOutage, statusCounts, waitAllFinal, type SentMessage } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';

/** How long Redis stays down. */
const OUTAGE_MS = 8_000;
const RATE_PER_SECOND = 20;

describe('fault: Redis restarted under load', () => {
  // A private redis-server: the shared one on 6379 serves every other test file.
  const rig = faultRig({ privateRedis: true, sim: { receipts: { delayMs: 200, retryAfterErrorMs: 1000 } } });

  it('refuses with 503 + Retry-After or accepts durably meanwhile, reports it, and finishes everything acknowledged', async () => {
    const { db, redis, user } = rig;
    const started = await rig.startGateway(rig.gatewayEnv('redis').env);
    const { sent, outage, readiness } = await loadThroughOutage({
      load: { user, ports: () => [started.sipPort], ratePerSecond: RATE_PER_SECOND, label: `redis-${randomBytes(3).toString('hex')}` },
      httpUrl: started.httpUrl,
      beforeMs: 4_000,
      outageMs: OUTAGE_MS,
      afterMs: 9_000,
      cut: () => redis.stop('graceful'),
      restore: () => redis.start(),
    });
    const { start: outageStart, restoring: restarting, end: outageEnd } = outage;

    const counts = JSON.stringify(statusCounts(sent));
    // Only 202 and 503 (with Retry-After); never a hang that leaves the sender guessing,
    // except for a MESSAGE whose job was on its way to Redis as it went down (ioredis
    // sends that command again on reconnect, so it is queued late, not lost).
    const edge = (m: SentMessage): boolean => Math.abs(m.sentAt - outageStart) < 1_500;
    expect(sent.filter((m) => m.status !== 202 && m.status !== 503 && !edge(m)).map((m) => `#${m.index}: ${m.status}`), counts).toEqual([]);
    expect(sent.filter((m) => m.status !== 202 && m.status !== 503).length).toBeLessThanOrEqual(RATE_PER_SECOND);
    const refused = sent.filter((m) => m.status === 503);
    for (const message of refused) expect(message.retryAfter, `#${message.index}`).toMatch(/^\d+$/);
    expect(refused.length, counts).toBeGreaterThan(0);
    // Back to accepting once Redis is back.
    // Clients reconnect with backoff (ioredis waits up to 2 s between attempts; the pool
    // dials afresh): a few seconds after the restart everything is accepted again.
    const after = sent.filter((m) => m.sentAt > outageEnd + 6_000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((m) => m.status !== 202).map((m) => `#${m.index} +${m.sentAt - outageEnd} ms after: ${m.status}`)).toEqual([]);

    const acknowledged = sent.filter((m) => m.status === 202);
    const rows = await waitAllFinal(db.url, acknowledged.map((m) => m.text), 60_000);
    for (const message of acknowledged) expect(rows.get(message.text)?.state, message.text).toBe('delivered');

    // /readyz told the truth: redis down during the outage, everything up afterwards.
    const during = readiness.during(outageStart + 1_000, restarting);
    expect(during.length).toBeGreaterThan(0);
    for (const report of during) {
      expect(report.status).toBe(503);
      expect(report.checks.redis).toMatch(/^down/);
    }
    // Still the process it was: the outage did not crash it.
    expect(started.child.exitCode).toBeNull();
    const last = readiness.seen.at(-1);
    expect(last?.status).toBe(200);
    expect(last?.checks.redis).toBe('up');

    console.info(`Redis restart (${OUTAGE_MS} ms down): ${sent.length} sent, statuses ${counts}, readiness samples during outage ${during.length}`);
  }, 150_000);
});
