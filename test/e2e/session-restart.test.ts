/**
 * Sessions and a gateway restart (docs/session-mode.md, "Sessions and restarts"): the
 * gateway process is killed (SIGKILL) while messages it accepted in an MSRP session are
 * still waiting for the SMSC, then started again on the same database and queues. The
 * session itself is gone with the process (its TCP connection drops; the IM client's SIP
 * dialog is unknown to the new process), but every message answered 200 inside it is
 * delivered after the restart, and its delivered IMDN reaches the sender as a pager-mode
 * SIP MESSAGE because no session is open to carry it. The restarted node (same MSRP
 * address) ends the session its predecessor left open in the record.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreeSipPort } from '../../adapters/sip/standalone/free-port.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { cpimText, MsrpTestPeer } from '../helpers/msrp-peer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { SmscSimulator } from '../sim/smsc-sim.js';

describe('session mode across a gateway restart', () => {
  let db: TestDatabase | undefined;
  let sim: SmscSimulator | undefined;
  const gateways: GatewayProcess[] = [];
  let peer: MsrpTestPeer | undefined;

  afterAll(async () => {
    peer?.close();
    for (const gateway of gateways) await gateway.stop('SIGTERM');
    await sim?.stop();
    await db?.drop();
  });

  describe('when the gateway is killed with session messages accepted but not yet sent', () => {
    it('delivers them after the restart and sends their IMDNs as SIP MESSAGE', async () => {
      db = await createTestDatabase('e2e_session_restart');
      // The SMSC is down while the session runs: accepted messages wait in the ledger and queues.
      const smscPort = await findFreeSipPort('127.0.0.1');
      const number = '+15557772001';
      // A fixed MSRP port: the restarted node has the same address, so it knows the sessions left open were its own.
      const msrpPort = await findFreeSipPort('127.0.0.1');
      const env = {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-srestart-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SESSION_ENABLED: 'true',
        HERALD_SESSION_MSRP_PORT: String(msrpPort),
        HERALD_QUEUES_STALLED_INTERVAL_MS: '1000',
        HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'smsc1', host: '127.0.0.1', port: smscPort, systemId: 'herald', password: 'secret', reconnect: { minMs: 200, maxMs: 1000 } }]),
      };
      const first = await startGatewayProcess({ env });
      gateways.push(first);
      peer = new MsrpTestPeer();
      await peer.open();
      expect((await peer.invite({ gatewayPort: first.sipPort, toUser: number })).status).toBe(200);
      await peer.connect();
      const ids = Array.from({ length: 3 }, (_, i) => `restart-${i}-${randomBytes(3).toString('hex')}`);
      for (const [i, id] of ids.entries()) {
        expect(await peer.sendMessage('message/cpim', cpimText(peer.uri, `sip:${number}@127.0.0.1`, id, `before restart ${i}`))).toEqual([200]);
      }

      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      expect(await peer.closedByGateway()).toBe(true);

      sim = new SmscSimulator({ port: smscPort, accounts: [{ systemId: 'herald', password: 'secret' }], receipts: { delayMs: 100, outcome: () => 'DELIVRD' } });
      await sim.start();
      // Same database, queues, data folder and SIP port: what an operator's supervisor does.
      const second = await startGatewayProcess({ env, dataDir: first.dataDir, sipPort: first.sipPort });
      gateways.push(second);

      const smsc = sim;
      // A job the killed worker held comes back once its 30 s lock runs out (docs/operations.md).
      await waitFor(async () => (smsc.submits.filter((s) => s.destination.endsWith(number.slice(1))).length >= 3 ? true : undefined), 90_000, '3 submits after the restart');
      expect(new Set(smsc.submits.filter((s) => s.destination.endsWith(number.slice(1))).map((s) => s.text))).toEqual(new Set(ids.map((_, i) => `before restart ${i}`)));

      const user = peer;
      const deliveredBy = (id: string): string | undefined => user.messagesReceived.find((m) => m.includes(`<message-id>${id}</message-id>`) && m.includes('<delivered/>'));
      await waitFor(async () => (ids.every((id) => deliveredBy(id) !== undefined) ? true : undefined), 60_000, '3 delivered IMDNs as SIP MESSAGE');
      expect(deliveredBy(ids[0] ?? '')).toMatch(new RegExp(`^MESSAGE sip:${user.user}@127\\.0\\.0\\.1:\\d+ SIP/2\\.0\r\n`));
      // Nothing came inside the (dead) session, and the new process does not know the old dialog.
      expect(user.frames.some((f) => f.method === 'SEND' && f.body.toString('utf8').includes('<delivered/>'))).toBe(false);
      expect((await user.bye()).status).toBe(481);

      // The session record: ended by the restarted node, with why; its messages still linked to it.
      const sql = new pg.Client({ connectionString: db.url });
      await sql.connect();
      try {
        const rows = await sql.query<{ end_reason: string | null; ended: boolean; node: string; linked: string }>(
          'select s.end_reason, s.ended_at is not null as ended, s.node, (select count(*) from msrp_session_messages l where l.session_id = s.id) as linked from msrp_sessions s',
        );
        expect(rows.rows).toEqual([{ end_reason: 'lost with its process', ended: true, node: `127.0.0.1:${msrpPort}`, linked: '3' }]);

        // A graceful stop, by contrast, records each open session's end as it happens.
        const again = new MsrpTestPeer();
        await again.open();
        try {
          expect((await again.invite({ gatewayPort: second.sipPort, toUser: number })).status).toBe(200);
          await again.connect();
          expect(await second.stop('SIGTERM')).toBe(0);
        } finally {
          again.close();
        }
        const reasons = await sql.query<{ end_reason: string | null }>('select end_reason from msrp_sessions order by started_at');
        expect(reasons.rows.map((r) => r.end_reason)).toEqual(['lost with its process', 'shutdown']);
      } finally {
        await sql.end();
      }
    }, 240_000);
  });
});
