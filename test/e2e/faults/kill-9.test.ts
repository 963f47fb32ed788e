/**
 * Fault: the gateway is killed with SIGKILL at random moments under a steady SIP → SMS
 * load, and started again on the same database, Redis and queue prefix each time.
 *
 * What Herald promises (docs/operations.md, "Reliability"): every MESSAGE answered 202 reaches a final
 * state; the SMSC sees each message once, except the ambiguous case SMPP cannot resolve
 * (a part accepted by the SMSC whose submit_sm_resp was lost with the process), at most
 * one window of parts per bind per kill; the sender gets its delivered IMDN at least once,
 * a duplicate only for an IMDN sent whose outcome was lost with the process (at most the
 * imdn-send concurrency per kill).
 */
import { describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../../helpers/gateway-process.js';
import { notificationRows, runLoad, statusCounts, submitsPerText, waitAllFinal, waitEach } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';

const KILLS = 3;
const RATE_PER_SECOND = 25;
const WINDOW_SIZE = 10;
const BINDS = 1;
const CONCURRENCY = 8;

/** A small seeded generator, so a failing run's kill moments can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('fault: kill -9 of the gateway under load', () => {
  // Receipts come a little later than the resps, so kills also land between submit and
  // receipt; a receipt refused while the ledger is busy is offered again.
  const rig = faultRig({ sim: { receipts: { delayMs: 400, retryAfterErrorMs: 1000 } } });

  it('finishes every acknowledged message, with duplicates only within the documented bounds', async () => {
    const { db, sim, user } = rig;
    const seed = Number(process.env.HERALD_FAULT_SEED ?? Date.now() % 100_000);
    const random = seeded(seed);
    const { env } = rig.gatewayEnv('kill', {
      connection: { windowSize: WINDOW_SIZE, binds: BINDS },
      extra: { HERALD_QUEUES_CONCURRENCY: String(CONCURRENCY) },
    });
    let gateway = await rig.startGateway(env);
    const { sipPort } = gateway;

    let stopLoad = false;
    const load = runLoad({ user, ports: () => [sipPort], ratePerSecond: RATE_PER_SECOND, until: () => stopLoad, label: `k9-${seed}` });
    const kills: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // 2.5–6.5 s of work between kills: submits, resps, receipts and IMDNs all in flight.
      await new Promise((resolve) => setTimeout(resolve, 2_500 + random() * 4_000));
      const victim: GatewayProcess = gateway;
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      kills.push(Date.now());
      // Same env and port: the restart an operator's supervisor would do.
      gateway = await rig.startGateway(env, sipPort);
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    stopLoad = true;
    const sent = await load;

    const acknowledged = sent.filter((m) => m.status === 202);
    // Anything but 202 here means a dead or starting gateway: a timeout, never a refusal.
    expect(sent.filter((m) => m.status !== 202 && m.status !== 0 && m.status !== 408), JSON.stringify(statusCounts(sent))).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(RATE_PER_SECOND * 5);

    // Jobs a killed worker held come back once their 30 s lock runs out.
    const rows = await waitAllFinal(db.url, acknowledged.map((m) => m.text), 75_000);
    for (const message of acknowledged) expect(rows.get(message.text)?.state, message.text).toBe('delivered');

    const submits = submitsPerText(sim);
    let duplicates = 0;
    for (const message of acknowledged) {
      const count = submits.get(message.text) ?? 0;
      expect(count, message.text).toBeGreaterThanOrEqual(1);
      duplicates += count - 1;
    }
    // The ambiguous case only: parts in flight on a bind when its process died.
    const submitBound = KILLS * BINDS * WINDOW_SIZE;
    expect(sim.counters.duplicates).toBeLessThanOrEqual(submitBound);
    expect(duplicates).toBeLessThanOrEqual(sim.counters.duplicates);

    // Each delivered message's sender hears "delivered" at least once. An IMDN whose
    // decision died with a process is made by the dispositions sweep, which leaves changes
    // younger than 30 s to the transition hook: hence the long wait.
    const missing = await waitEach(acknowledged, (m) => (user.imdnCounts().get(m.imdnMessageId)?.get('delivery/delivered') ?? 0) > 0, 60_000);
    expect(await notificationRows(db.url, missing.map((m) => m.imdnMessageId))).toEqual([]);
    let imdnDuplicates = 0;
    for (const kinds of user.imdnCounts().values()) for (const count of kinds.values()) imdnDuplicates += count - 1;
    // An IMDN sent whose "sent" mark was lost with the process goes again: at most the
    // imdn-send jobs running at once, per kill.
    expect(imdnDuplicates).toBeLessThanOrEqual(KILLS * CONCURRENCY);

    console.info(
      `kill -9 (seed ${seed}): ${sent.length} sent, ${acknowledged.length} acknowledged, statuses ${JSON.stringify(statusCounts(sent))}, ` +
        `${KILLS} kills, SMSC duplicates ${sim.counters.duplicates} (bound ${submitBound}), IMDN duplicates ${imdnDuplicates} (bound ${KILLS * CONCURRENCY}), ` +
        `receipts resent ${sim.receipts.filter((r) => (r.resent ?? 0) > 0).length}`,
    );
  }, 200_000);
});
