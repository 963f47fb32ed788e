/**
 * Session mode through the gateway process (dist/): an IM user (test/helpers/msrp-peer.ts,
 * its own MSRP wire code) invites Herald to an MSRP session towards an SMS number, chats,
 * and gets the delivery IMDNs back inside the session (TS 29.311 §6.2).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { cpimText, MsrpTestPeer } from '../helpers/msrp-peer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { SmscSimulator } from '../sim/smsc-sim.js';

describe('session mode (gateway process, SMSC simulator, MSRP test peer)', () => {
  let db: TestDatabase;
  let sim: SmscSimulator;
  let gateway: GatewayProcess;
  const peers: MsrpTestPeer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_session_mode');
    sim = new SmscSimulator({ accounts: [{ systemId: 'herald', password: 'secret' }], receipts: { delayMs: 200, outcome: () => 'DELIVRD' } });
    const smscPort = await sim.start();
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SESSION_ENABLED: 'true',
        HERALD_SESSION_MSRP_PORT: '0',
        HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'smsc1', host: '127.0.0.1', port: smscPort, systemId: 'herald', password: 'secret' }]),
      },
    });
  }, 120_000);

  afterAll(async () => {
    for (const peer of peers) peer.close();
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await sim?.stop();
    await db?.drop();
  });

  async function newPeer(): Promise<MsrpTestPeer> {
    const peer = new MsrpTestPeer();
    await peer.open();
    peers.push(peer);
    return peer;
  }

  describe('when an IM user chats 20 messages with an SMS number', () => {
    it('sends each as an SMS and returns a delivered IMDN for each inside the session', async () => {
      const number = '+15557770001';
      const peer = await newPeer();
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: number });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/sdp');
      expect(answer.body).toMatch(/^m=message \d+ TCP\/MSRP \*$/m);
      expect(answer.body).toContain('a=setup:passive');
      expect(answer.headers.get('contact')).toMatch(/^<sip:/);
      await peer.connect();

      const ids = Array.from({ length: 20 }, (_, i) => `chat-${i}-${randomBytes(3).toString('hex')}`);
      for (const [i, id] of ids.entries()) {
        const statuses = await peer.sendMessage('message/cpim', cpimText(peer.uri, `sip:${number}@127.0.0.1`, id, `line ${i}`));
        expect(statuses).toEqual([200]);
      }

      await waitFor(async () => (sim.submits.filter((s) => s.destination.endsWith(number.slice(1))).length >= 20 ? true : undefined), 60_000, '20 submits');
      const texts = sim.submits.filter((s) => s.destination.endsWith(number.slice(1))).map((s) => s.text);
      expect(new Set(texts)).toEqual(new Set(ids.map((_, i) => `line ${i}`)));

      // Every message's delivered IMDN arrives as an MSRP SEND in this session.
      const delivered = (): Set<string> =>
        new Set(
          peer.frames
            .filter((f) => f.method === 'SEND' && f.body.toString('utf8').includes('<delivered/>'))
            .map((f) => /<message-id>([^<]+)<\/message-id>/.exec(f.body.toString('utf8'))?.[1] ?? ''),
        );
      await waitFor(async () => (ids.every((id) => delivered().has(id)) ? true : undefined), 60_000, '20 delivered IMDNs in the session');
      const imdnFrame = peer.frames.find((f) => f.method === 'SEND');
      expect(imdnFrame?.headers.get('content-type')).toMatch(/^message\/cpim/);
      expect(imdnFrame?.headers.get('to-path')).toBe(peer.localPath);

      expect((await peer.bye()).status).toBe(200);
    }, 120_000);
  });

  describe('when the session goes to a number no route takes', () => {
    it('refuses the INVITE with 404 and opens nothing', async () => {
      const peer = await newPeer();
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: 'nobody' });
      expect(answer.status).toBe(404);
      expect(answer.headers.get('warning')).toContain('GW_ERR_ROUTE_UNROUTABLE');
    }, 30_000);
  });

  describe('when the INVITE offers no MSRP stream', () => {
    it('refuses it with 488', async () => {
      const peer = await newPeer();
      const sdp = ['v=0', 'o=a 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', ''].join('\r\n');
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557770002', sdp });
      expect(answer.status).toBe(488);
      expect(answer.headers.get('warning')).toContain('GW_ERR_SDP_UNACCEPTABLE');
    }, 30_000);
  });
});
