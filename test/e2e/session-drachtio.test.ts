/**
 * Session mode on the drachtio edge, through the gateway process (dist/): the IM user
 * (test/helpers/msrp-peer.ts) sends its INVITE, ACK, refreshes and BYE to the drachtio-server
 * double's SIP port; the double passes them to Herald over drachtio's wire protocol (real
 * drachtio-srf in the gateway), picks the dialog's To tag itself as drachtio-server does, and
 * builds Herald's BYE from the dialog. MSRP goes straight to Herald, SMS to the simulator.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrachtioServerDouble } from '../helpers/drachtio-server-double.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { cpimText, MsrpTestPeer } from '../helpers/msrp-peer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { SmscSimulator } from '../sim/smsc-sim.js';

const SECRET = 'e2e-drachtio-secret';
const CREDENTIALS = { username: 'alice', password: 'wonderland-8' };

describe('session mode on the drachtio edge (gateway process, drachtio-server double, SMSC simulator)', () => {
  let db: TestDatabase;
  let sim: SmscSimulator;
  let drachtio: DrachtioServerDouble;
  let sipPort: number;
  let gateway: GatewayProcess;
  const peers: MsrpTestPeer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_session_drachtio');
    sim = new SmscSimulator({ accounts: [{ systemId: 'herald', password: 'secret' }], receipts: { delayMs: 200, outcome: () => 'DELIVRD' } });
    const smscPort = await sim.start();
    drachtio = new DrachtioServerDouble(SECRET);
    const adminPort = await drachtio.listen();
    sipPort = await drachtio.listenSip();
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SIP_DOMAIN: '127.0.0.1',
        HERALD_SIP_DIGEST_REALM: 'herald.test',
        HERALD_SIP_DIGEST_USERS: JSON.stringify([CREDENTIALS]),
        HERALD_SIP_EDGE: 'drachtio',
        HERALD_SIP_DRACHTIO_MODE: 'inbound',
        HERALD_SIP_DRACHTIO_PORT: String(adminPort),
        HERALD_SIP_DRACHTIO_SECRET: SECRET,
        HERALD_SESSION_ENABLED: 'true',
        HERALD_SESSION_MSRP_PORT: '0',
        HERALD_SESSION_MIN_SE_SECONDS: '2',
        HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'smsc1', host: '127.0.0.1', port: smscPort, systemId: 'herald', password: 'secret' }]),
      },
    });
    await drachtio.whenRouted('invite', 30_000);
  }, 120_000);

  afterAll(async () => {
    for (const peer of peers) peer.close();
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await drachtio?.close();
    await sim?.stop();
    await db?.drop();
  });

  async function newPeer(): Promise<MsrpTestPeer> {
    const peer = new MsrpTestPeer(CREDENTIALS.username);
    await peer.open();
    peers.push(peer);
    return peer;
  }

  describe('when an IM user chats with an SMS number', () => {
    it('answers the INVITE in a dialog drachtio-server holds, sends each SEND as SMS, returns delivered IMDNs in the session, and ends on BYE', async () => {
      const number = '+15557771001';
      const peer = await newPeer();
      // Digest on: the INVITE is challenged as a MESSAGE is through drachtio (one challenge:
      // srf would fold several into one comma-joined field).
      const { challenge, answer } = await peer.inviteWithDigest({ gatewayPort: sipPort, toUser: number }, CREDENTIALS);
      expect(challenge?.status).toBe(401);
      expect(challenge?.raw.match(/^www-authenticate:/gim)).toHaveLength(1);
      expect(challenge?.headers.get('www-authenticate')).toMatch(/^Digest realm="herald\.test".*algorithm=SHA-256/);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/^m=message \d+ TCP\/MSRP \*$/m);
      expect(answer.headers.get('contact')).toMatch(/^<sip:/);
      // The dialog is drachtio-server's, with the tag it chose: Herald's core never named it.
      const dialog = [...drachtio.dialogs.values()].find((d) => d.remoteTag !== '' && d.localTag === peer.toTag);
      expect(dialog).toBeDefined();
      await peer.connect();

      const ids = Array.from({ length: 5 }, (_, i) => `dr-${i}-${randomBytes(3).toString('hex')}`);
      for (const [i, id] of ids.entries()) {
        expect(await peer.sendMessage('message/cpim', cpimText(peer.uri, `sip:${number}@127.0.0.1`, id, `drachtio line ${i}`))).toEqual([200]);
      }
      await waitFor(async () => (sim.submits.filter((s) => s.destination.endsWith(number.slice(1))).length >= ids.length ? true : undefined), 60_000, 'SMS submits');
      const delivered = (): Set<string> =>
        new Set(
          peer.frames
            .filter((f) => f.method === 'SEND' && f.body.toString('utf8').includes('<delivered/>'))
            .map((f) => /<message-id>([^<]+)<\/message-id>/.exec(f.body.toString('utf8'))?.[1] ?? ''),
        );
      await waitFor(async () => (ids.every((id) => delivered().has(id)) ? true : undefined), 60_000, 'delivered IMDNs in the session');

      // A refresh (RFC 4028) in the dialog: re-INVITE and UPDATE get Herald's same SDP.
      const reinvite = await peer.refresh('INVITE', { headers: ['Supported: timer', 'Session-Expires: 600;refresher=uac'] });
      expect(reinvite.status).toBe(200);
      expect(reinvite.body).toBe(answer.body);
      expect(reinvite.headers.get('session-expires')).toBe('600;refresher=uac');
      const update = await peer.refresh('UPDATE', { headers: ['Supported: timer', 'Session-Expires: 600'] });
      expect(update.status).toBe(200);

      // A BYE naming a dialog drachtio-server does not hold is answered 481 before Herald sees it.
      expect((await peer.bye({ toTag: 'not-this-dialog' })).status).toBe(481);
      expect((await peer.bye()).status).toBe(200);
      await waitFor(async () => (drachtio.dialogs.has(dialog?.dialogId ?? '') ? undefined : true), 10_000, 'dialog gone');
      expect(await peer.closedByGateway()).toBe(true);
    }, 180_000);
  });

  describe('when Herald ends a Large Message Mode session', () => {
    it('sends BYE through drachtio-server in the dialog it holds', async () => {
      const number = '+15557771002';
      const peer = await newPeer();
      const { answer } = await peer.inviteWithDigest({ gatewayPort: sipPort, toUser: number, headers: ['Accept-Contact: *;+g.oma.sip-im.large-message'] }, CREDENTIALS);
      expect(answer.status).toBe(200);
      await peer.connect();
      expect(await peer.sendMessage('text/plain', Buffer.from('one large-mode message'))).toEqual([200]);
      await waitFor(async () => (peer.byesReceived.length > 0 ? true : undefined), 20_000, "Herald's BYE");
      const bye = peer.byesReceived[0] ?? '';
      expect(bye).toMatch(new RegExp(`^From: [^\\r\\n]*;tag=${peer.toTag ?? 'none'}`, 'm'));
      expect(drachtio.requests.some((r) => r.text.startsWith('BYE '))).toBe(true);
    }, 60_000);
  });

  describe('when the session interval is below Min-SE', () => {
    it('refuses the INVITE 422 with Min-SE', async () => {
      const peer = await newPeer();
      const { answer } = await peer.inviteWithDigest({ gatewayPort: sipPort, toUser: '+15557771003', headers: ['Supported: timer', 'Session-Expires: 1'] }, CREDENTIALS);
      expect(answer.status).toBe(422);
      expect(answer.headers.get('min-se')).toBe('2');
    }, 30_000);
  });
});
