/**
 * Scale-out: two gateway processes on one Redis and one PostgreSQL (same queue prefix),
 * each with its own bind to the same SMSC (the simulator accepts both ESMEs), and SIP load
 * spread over both. The simulator sends every receipt on the OTHER node's bind than the
 * submit came on, so each receipt must find its message through the shared ledger.
 *
 * Herald's promise (docs/operations.md, "Scaling"): receipts arriving on either node's bind find their
 * message; nothing is processed twice: each message submitted once, one transition to
 * each state, one IMDN per kind.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { gatewayEnv, runLoad, statusCounts, waitAllFinal, waitEach } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';
import type { GatewayProcess } from '../../helpers/gateway-process.js';
import { waitFor } from '../../helpers/wait.js';

const RATE_PER_SECOND = 20;
const LOAD_MS = 8_000;
const NODES = ['herald-a', 'herald-b'] as const;

describe('scale-out: two gateways on one Redis and one PostgreSQL', () => {
  const rig = faultRig({
    sim: {
      accounts: NODES.map((systemId) => ({ systemId, password: 'secret' })),
      receipts: { delayMs: 150, route: 'other-session', retryAfterErrorMs: 1000 },
      // A loaded CI machine can take seconds to answer a receipt; the simulator would
      // otherwise give up on it after 5 s (as no resp) while the node still applies it.
      moResponseTimeoutMs: 30_000,
    },
    stopSignal: 'SIGTERM',
  });

  it('matches receipts from either bind and processes each message once', async () => {
    const { db, sim, user } = rig;
    const prefix = `fault-scale-${randomBytes(4).toString('hex')}`;
    const gateways: GatewayProcess[] = [];
    for (const systemId of NODES) {
      // One queue prefix for both nodes (rig.gatewayEnv would give each its own), and the
      // same connection id: correlation is by connection + SMSC id.
      const env = gatewayEnv({ databaseUrl: db.url, redisUrl: rig.redisUrl, prefix, smscPort: sim.port ?? 0, systemId });
      gateways.push(await rig.startGateway(env));
    }
    const deadline = Date.now() + 20_000;
    while (sim.boundSessions().length < NODES.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.boundSessions().map((s) => s.systemId).sort()).toEqual([...NODES]);

    const stopAt = Date.now() + LOAD_MS;
    const sent = await runLoad({
      user,
      ports: () => gateways.map((g) => g.sipPort),
      ratePerSecond: RATE_PER_SECOND,
      until: () => Date.now() > stopAt,
      requests: 'positive-delivery, interworking',
      label: `scale-${randomBytes(3).toString('hex')}`,
    });
    expect(sent.every((m) => m.status === 202), JSON.stringify(statusCounts(sent))).toBe(true);
    const rows = await waitAllFinal(db.url, sent.map((m) => m.text), 60_000);
    for (const message of sent) expect(rows.get(message.text)?.state, message.text).toBe('delivered');

    // Each message reached the SMSC exactly once, and both nodes did submit.
    expect(sim.counters.duplicates).toBe(0);
    const texts = sim.submits.map((s) => s.text ?? '');
    expect(texts.sort()).toEqual(sent.map((m) => m.text).sort());
    for (const systemId of NODES) expect(sim.submits.filter((s) => s.systemId === systemId).length, systemId).toBeGreaterThan(0);

    // Every receipt went to the other node's bind, and was taken (ESME_ROK).
    const submitter = new Map(sim.submits.map((s) => [s.receiptMessageId, s.systemId]));
    expect(sim.receipts).toHaveLength(sent.length);
    // The ledger commits a receipt's state before the node answers the deliver_sm.
    await waitFor(async () => (sim.receipts.every((r) => r.status !== undefined) ? true : undefined), 35_000, 'every receipt answered'); // up to the simulator's resp timeout
    for (const receipt of sim.receipts) {
      expect(receipt.sentToSystemId, receipt.messageId).not.toBe(submitter.get(receipt.messageId));
      expect(receipt.status, receipt.messageId).toBe(0);
    }

    // One transition into each state per delivery, whichever node made it.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const repeated = await client.query<{ delivery_id: string; to_state: string; n: string }>(
        "select delivery_id, to_state, count(*) as n from events where type = 'state' and to_state is not null group by delivery_id, to_state having count(*) > 1",
      );
      expect(repeated.rows).toEqual([]);
      const transitions = await client.query<{ n: string }>("select count(*) as n from events where type = 'state' and to_state = 'delivered'");
      expect(Number(transitions.rows[0]?.n)).toBe(sent.length);
    } finally {
      await client.end();
    }

    // One IMDN per kind asked for: legacy-sms at hand-off, delivered at the receipt.
    const missing = await waitEach(
      sent,
      (m) => {
        const kinds = user.imdnCounts().get(m.imdnMessageId);
        return kinds?.get('interworking/legacy-sms') !== undefined && kinds.get('delivery/delivered') !== undefined;
      },
      30_000,
    );
    expect(missing.map((m) => m.imdnMessageId)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // room for a duplicate to show
    for (const message of sent) {
      expect(Object.fromEntries(user.imdnCounts().get(message.imdnMessageId) ?? []), message.imdnMessageId).toEqual({
        'interworking/legacy-sms': 1,
        'delivery/delivered': 1,
      });
    }
    console.info(
      `scale-out: ${sent.length} messages over ${NODES.length} nodes, submits ${NODES.map((n) => `${n} ${sim.submits.filter((s) => s.systemId === n).length}`).join(', ')}, all receipts on the other bind`,
    );
  }, 120_000);
});
