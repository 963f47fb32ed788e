/**
 * Two gateway processes on one Redis and one PostgreSQL (issue 16): receipts travel on the
 * other node's bind, one node is frozen (SIGSTOP) while the SMSC writes receipts to its
 * bind, then killed. That SMSC never sends a written receipt again (retry `never`, an
 * unanswered receipt is lost at close), so only the surviving node's overdue-receipt
 * sweep (query_sm) can finish those deliveries: every delivery must end final, delivered,
 * with its IMDN.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatewayEnv, ledgerRows, runLoad, statusCounts, waitAllFinal, waitEach } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';
import type { GatewayProcess } from '../../helpers/gateway-process.js';

const NODES = ['herald-a', 'herald-b'] as const;

describe('SMPP: a node frozen then killed with receipts in flight on its bind', () => {
  const rig = faultRig({
    sim: {
      accounts: NODES.map((systemId) => ({ systemId, password: 'secret' })),
      receipts: { delayMs: 2_500, route: 'other-session', unanswered: 'lost' },
      retry: { on: 'never' },
      moResponseTimeoutMs: 2_000,
    },
    stopSignal: 'SIGTERM',
  });

  it('ends every delivery final with an IMDN, the lost receipts recovered by query_sm on the other node', async () => {
    const { db, sim, user } = rig;
    const prefix = `fault-freeze-${randomBytes(4).toString('hex')}`;
    const gateways: GatewayProcess[] = [];
    for (const systemId of NODES) {
      const env = gatewayEnv({
        databaseUrl: db.url,
        redisUrl: rig.redisUrl,
        prefix,
        smscPort: sim.port ?? 0,
        systemId,
        extra: { HERALD_SMPP_RECEIPT_OVERDUE_MS: '4000' },
      });
      gateways.push(await rig.startGateway(env));
    }
    const [frozen] = gateways;
    if (frozen === undefined) throw new Error('no gateway');
    const bindDeadline = Date.now() + 20_000;
    while (sim.boundSessions().length < NODES.length && Date.now() < bindDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.boundSessions().map((s) => s.systemId).sort()).toEqual([...NODES]);

    const stopAt = Date.now() + 3_000;
    const sent = await runLoad({
      user,
      ports: () => gateways.map((g) => g.sipPort),
      ratePerSecond: 10,
      until: () => Date.now() > stopAt,
      requests: 'positive-delivery',
      label: `freeze-${randomBytes(3).toString('hex')}`,
    });
    expect(sent.every((m) => m.status === 202), JSON.stringify(statusCounts(sent))).toBe(true);
    // Every message at the SMSC, no receipt out yet: then freeze node A.
    const texts = new Set(sent.map((m) => m.text));
    const submittedDeadline = Date.now() + 20_000;
    while (sim.submits.filter((s) => texts.has(s.text ?? '')).length < sent.length && Date.now() < submittedDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    frozen.child.kill('SIGSTOP');
    // The SMSC writes receipts to the frozen bind, waits for their resps in vain, gives up.
    const lostDeadline = Date.now() + 20_000;
    while (sim.counters.lost === 0 && Date.now() < lostDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
    frozen.child.kill('SIGKILL');
    await frozen.exited;
    const lost = sim.counters.lost;
    expect(lost).toBeGreaterThan(0);

    const rows = await waitAllFinal(db.url, [...texts], 60_000);
    for (const message of sent) expect(rows.get(message.text)?.state, message.text).toBe('delivered');
    expect(sim.counters.querySms).toBeGreaterThanOrEqual(lost);
    expect(sim.counters.duplicates).toBe(0);
    expect(sim.malformed).toEqual([]);

    const missing = await waitEach(sent, (m) => user.imdnCounts().get(m.imdnMessageId)?.get('delivery/delivered') !== undefined, 30_000);
    expect(missing.map((m) => m.imdnMessageId)).toEqual([]);
    const final = await ledgerRows(db.url);
    console.info(`freeze-then-kill: ${sent.length} messages, ${lost} receipts lost on the frozen bind, ${sim.counters.querySms} query_sm, ${[...final.values()].filter((r) => r.state === 'delivered').length} delivered`);
  }, 150_000);
});
