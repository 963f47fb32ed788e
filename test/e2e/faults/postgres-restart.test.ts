/**
 * Fault: PostgreSQL (the ledger, the system of record) restarts under a steady SIP → SMS
 * load. A private cluster: the shared server on 5432 serves every other test file.
 *
 * Herald's promise: while the ledger is down nothing is acknowledged (a 202 means stored),
 * so ingress answers 503 with Retry-After (or 500); jobs and receipts that need the ledger
 * fail as retryable and come back (receipts are refused with ESME_RX_T_APPN, so the SMSC
 * keeps them); /readyz reports the database down, then up; every acknowledged message
 * reaches its final state once PostgreSQL is back.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ledgerRows, loadThroughOutage, statusCounts, waitAllFinal } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';

/** How long PostgreSQL stays down. */
const OUTAGE_MS = 8_000;
const RATE_PER_SECOND = 20;

describe('fault: PostgreSQL restarted under load', () => {
  const rig = faultRig({ sim: { receipts: { delayMs: 200, retryAfterErrorMs: 1000 } } });

  it('acknowledges nothing while the ledger is down, reports it, and finishes everything acknowledged', async () => {
    const { db: postgres, sim, user } = rig;
    const started = await rig.startGateway(rig.gatewayEnv('pg').env);
    const { sent, outage, readiness } = await loadThroughOutage({
      load: { user, ports: () => [started.sipPort], ratePerSecond: RATE_PER_SECOND, label: `pg-${randomBytes(3).toString('hex')}` },
      httpUrl: started.httpUrl,
      beforeMs: 4_000,
      outageMs: OUTAGE_MS,
      afterMs: 9_000,
      cut: () => postgres.stop('graceful'),
      restore: () => postgres.start(),
    });
    const { start: outageStart, restoring: restarting, end: outageEnd } = outage;

    const counts = JSON.stringify(statusCounts(sent));
    // Sent well inside the outage: refused, never acknowledged (a 202 would be a lie).
    const inside = sent.filter((m) => m.sentAt > outageStart + 500 && m.sentAt < restarting);
    expect(inside.length).toBeGreaterThan(0);
    // A refusal answered later than the sender's 4 s timer (a loaded machine) shows as 408
    // here; it must still be a refusal, which the ledger check below proves.
    for (const message of inside) expect([500, 503, 408], `#${message.index} +${message.sentAt - outageStart} ms into the outage`).toContain(message.status);
    const problems = [`exit ${started.child.exitCode ?? started.child.signalCode ?? 'none'}`, started.stderr().slice(-800), ...started.logs.filter((l) => typeof l.level === 'number' && l.level >= 50).slice(-3)];
    expect(inside.filter((m) => m.status === 408).length, `${counts} ${JSON.stringify(problems)}`).toBeLessThanOrEqual(Math.ceil(inside.length / 10));
    for (const message of sent.filter((m) => m.status === 503)) expect(message.retryAfter, `#${message.index}`).toMatch(/^\d+$/);
    expect(sent.filter((m) => ![202, 500, 503, 408].includes(m.status)).map((m) => `#${m.index}: ${m.status}`), counts).toEqual([]);
    // Clients reconnect with backoff (ioredis waits up to 2 s between attempts; the pool
    // dials afresh): a few seconds after the restart everything is accepted again.
    const after = sent.filter((m) => m.sentAt > outageEnd + 6_000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((m) => m.status !== 202).map((m) => `#${m.index} +${m.sentAt - outageEnd} ms after: ${m.status}`)).toEqual([]);

    // Every 202 is in the ledger and ends delivered; nothing refused was stored.
    const acknowledged = sent.filter((m) => m.status === 202);
    const rows = await waitAllFinal(postgres.url, acknowledged.map((m) => m.text), 60_000);
    for (const message of acknowledged) expect(rows.get(message.text)?.state, message.text).toBe('delivered');
    const stored = await ledgerRows(postgres.url);
    for (const message of inside) expect(stored.has(message.text), `#${message.index} refused but stored`).toBe(false);

    const during = readiness.during(outageStart + 1_000, restarting);
    expect(during.length).toBeGreaterThan(0);
    for (const report of during) {
      expect(report.status).toBe(503);
      expect(report.checks.database).toMatch(/^down/);
    }
    // Still the process it was: the outage did not crash it.
    expect(started.child.exitCode).toBeNull();
    const last = readiness.seen.at(-1);
    expect(last?.status).toBe(200);
    expect(last?.checks.database).toBe('up');

    console.info(`PostgreSQL restart (${OUTAGE_MS} ms down): ${sent.length} sent, statuses ${counts}, receipts refused and re-sent ${sim.receipts.filter((r) => (r.resent ?? 0) > 0).length}`);
  }, 150_000);
});
