/**
 * Fault: the SMSC becomes unreachable under a steady SIP → SMS load (every connection
 * dropped, every bind refused) for longer than a job's whole retry budget, then returns.
 *
 * Herald's promise: SIP ingress keeps accepting (the ledger and the queue hold the work);
 * deliveries wait and back off without spending their attempts, so an outage of any length
 * ends with every message delivered; /readyz shows smpp down meanwhile and up afterwards;
 * the SMSC sees each message once, bar the ambiguous parts in flight when it dropped us.
 *
 * The outage is scaled down from the "minutes" to SMSC_OUTAGE_MS, still longer
 * than 25 attempts of (submit timeout + retry delay) with the settings below, which is
 * where deliveries used to be stranded. `HERALD_FAULT_SMSC_OUTAGE_MS=300000` runs it
 * with a five-minute outage (the test timeout grows with it).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadThroughOutage, statusCounts, submitsPerText, waitAllFinal } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';

/** How long the SMSC is unreachable. */
const SMSC_OUTAGE_MS = Number(process.env.HERALD_FAULT_SMSC_OUTAGE_MS ?? 40_000);
/** Each try waits this long for a bind, then the job is retried 1 s later: 25 tries ≈ 31 s. */
const SUBMIT_TIMEOUT_MS = 250;
/**
 * A modest rate and enough workers that every waiting job gets its next try on time (with
 * more jobs than workers, tries queue behind each other and the budget stretches; a
 * quiet night is when an outage used to strand messages).
 */
const RATE_PER_SECOND = 4;
const CONCURRENCY = 100;
const WINDOW_SIZE = 10;

describe('fault: the SMSC unreachable for a while', () => {
  const rig = faultRig({ sim: { receipts: { delayMs: 200, retryAfterErrorMs: 1000 } } });

  it('keeps accepting, waits and backs off, reports smpp down, then delivers everything', async () => {
    const { db, sim, user } = rig;
    const { env } = rig.gatewayEnv('smsc', {
      connection: { submitTimeoutMs: SUBMIT_TIMEOUT_MS, windowSize: WINDOW_SIZE },
      extra: { HERALD_QUEUES_CONCURRENCY: String(CONCURRENCY) },
    });
    const started = await rig.startGateway(env);
    let submitsBefore = 0;
    const { sent, outage, readiness } = await loadThroughOutage({
      load: { user, ports: () => [started.sipPort], ratePerSecond: RATE_PER_SECOND, label: `smsc-${randomBytes(3).toString('hex')}` },
      httpUrl: started.httpUrl,
      beforeMs: 3_000,
      outageMs: SMSC_OUTAGE_MS,
      afterMs: 3_000,
      cut() {
        sim.refuseBinds(SMSC_OUTAGE_MS);
        sim.dropConnections();
        submitsBefore = sim.counters.submitsAccepted;
      },
      restore() {
        // Nothing got through while every bind was refused (the refusal ends by itself now).
        expect(sim.counters.submitsAccepted).toBe(submitsBefore);
        expect(sim.counters.bindFailures).toBeGreaterThan(1);
      },
    });
    const { start: outageStart, end: outageEnd } = outage;

    // Ingress does not depend on the SMSC: everything is acknowledged.
    expect(sent.filter((m) => m.status !== 202).map((m) => `#${m.index}: ${m.status}`), JSON.stringify(statusCounts(sent))).toEqual([]);

    const acknowledged = sent.filter((m) => m.status === 202);
    const during = acknowledged.filter((m) => m.sentAt > outageStart && m.sentAt < outageEnd);
    expect(during.length).toBeGreaterThan(RATE_PER_SECOND * 20);
    const rows = await waitAllFinal(db.url, acknowledged.map((m) => m.text), 60_000);
    for (const message of acknowledged) expect(rows.get(message.text)?.state, message.text).toBe('delivered');

    const submits = submitsPerText(sim);
    for (const message of acknowledged) expect(submits.get(message.text) ?? 0, message.text).toBeGreaterThanOrEqual(1);
    // Dropping the connection can lose resps of parts in flight: the ambiguous case.
    expect(sim.counters.duplicates).toBeLessThanOrEqual(WINDOW_SIZE);

    const down = readiness.during(outageStart + 2_000, outageEnd);
    expect(down.length).toBeGreaterThan(0);
    for (const report of down) {
      expect(report.status).toBe(503);
      expect(report.checks.smpp).toMatch(/^down: no SMSC bind up/);
    }
    const last = readiness.seen.at(-1);
    expect(last?.status).toBe(200);
    expect(last?.checks.smpp).toBe('up');

    console.info(
      `SMSC outage (${SMSC_OUTAGE_MS} ms): ${sent.length} sent, ${during.length} during the outage, bind refusals ${sim.counters.bindFailures}, SMSC duplicates ${sim.counters.duplicates}`,
    );
  }, 60_000 + SMSC_OUTAGE_MS * 2);
});
