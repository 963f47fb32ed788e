/**
 * The SIP side of session mode on the standalone edge, through the gateway process (dist/)
 * with digest authentication on: INVITE challenged exactly as MESSAGE is, RFC 4028 session
 * timers (422, refresh by UPDATE and re-INVITE, BYE when no refresh comes), and the MSRP
 * idle timeout ending a session with BYE.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { MsrpTestPeer, type InviteOptions, type SipAnswer } from '../helpers/msrp-peer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { sendMessage } from '../helpers/raw-sip.js';
import { waitFor } from '../helpers/wait.js';

const USER = 'alice';
const PASSWORD = 'wonderland-7';

describe('session mode SIP (gateway process, standalone edge, digest on)', () => {
  let db: TestDatabase;
  let gateway: GatewayProcess;
  const peers: MsrpTestPeer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_session_sip');
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SIP_DOMAIN: '127.0.0.1',
        HERALD_SIP_DIGEST_REALM: 'herald.test',
        HERALD_SIP_DIGEST_USERS: JSON.stringify([{ username: USER, password: PASSWORD }]),
        HERALD_SESSION_ENABLED: 'true',
        HERALD_SESSION_MSRP_PORT: '0',
        HERALD_SESSION_MIN_SE_SECONDS: '2',
        HERALD_SESSION_IDLE_TIMEOUT_MS: '5000',
        HERALD_SESSION_RECONNECT_GRACE_MS: '100',
      },
    });
  }, 120_000);

  afterAll(async () => {
    for (const peer of peers) peer.close();
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await db?.drop();
  });

  async function newPeer(user = USER): Promise<MsrpTestPeer> {
    const peer = new MsrpTestPeer(user);
    await peer.open();
    peers.push(peer);
    return peer;
  }

  /** INVITE, then (after the 401) INVITE again with credentials, as a client does. */
  async function authedInvite(peer: MsrpTestPeer, options: Omit<InviteOptions, 'gatewayPort'>): Promise<SipAnswer> {
    const { challenge, answer } = await peer.inviteWithDigest({ ...options, gatewayPort: gateway.sipPort }, { username: USER, password: PASSWORD });
    expect(challenge?.status).toBe(401);
    return answer;
  }

  describe('when an INVITE comes without credentials', () => {
    it('is challenged 401 exactly as a MESSAGE is, and admitted with them', async () => {
      const peer = await newPeer();
      const invite = await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557772001' });
      const message = await sendMessage(gateway.sipPort, { requestUri: 'sip:+15557772001@127.0.0.1', from: `<sip:${USER}@127.0.0.1>`, body: 'hi' });
      expect(invite.status).toBe(401);
      expect(message.status).toBe(401);
      const algorithms = (raw: string): string[] => [...raw.matchAll(/^www-authenticate:.*algorithm=([A-Z0-9-]+)/gim)].map((m) => m[1] ?? '');
      expect(algorithms(invite.raw)).toEqual(algorithms(message.text));
      expect(algorithms(invite.raw)).toEqual(['SHA-256', 'MD5']);
      expect(invite.headers.get('www-authenticate')).toContain('realm="herald.test"');

      const admitted = await authedInvite(await newPeer(), { toUser: '+15557772001' });
      expect(admitted.status).toBe(200);
    }, 30_000);

    it('refuses credentials whose user is not the INVITE From (403)', async () => {
      const peer = await newPeer('mallory');
      const answer = await authedInvite(peer, { toUser: '+15557772002' });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('warning')).toContain('GW_ERR_SIP_IDENTITY_MISMATCH');
    }, 30_000);
  });

  describe('when the client asks for a session interval (RFC 4028)', () => {
    it('answers 422 with Min-SE below it', async () => {
      const answer = await authedInvite(await newPeer(), { toUser: '+15557772003', headers: ['Supported: timer', 'Session-Expires: 1'] });
      expect(answer.status).toBe(422);
      expect(answer.headers.get('min-se')).toBe('2');
    }, 30_000);

    it('keeps the session while UPDATE and re-INVITE refresh it, then ends it with BYE when they stop', async () => {
      const peer = await newPeer();
      const timer = ['Supported: timer', 'Session-Expires: 2;refresher=uac'];
      const answer = await authedInvite(peer, { toUser: '+15557772004', headers: timer });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('session-expires')).toBe('2;refresher=uac');
      expect(answer.headers.get('require')).toBe('timer');
      await peer.connect();
      const started = Date.now();

      await new Promise((r) => setTimeout(r, 800));
      const update = await peer.refresh('UPDATE', { headers: timer });
      expect(update.status).toBe(200);
      expect(update.body).toBe('');
      await new Promise((r) => setTimeout(r, 800));
      const reinvite = await peer.refresh('INVITE', { headers: timer });
      expect(reinvite.status).toBe(200);
      expect(reinvite.body).toBe(answer.body);
      const lastRefresh = Date.now();
      // Past the first interval the session is alive thanks to the refreshes.
      await new Promise((r) => setTimeout(r, 600));
      expect(Date.now() - started).toBeGreaterThan(2_000);
      expect(peer.byesReceived).toHaveLength(0);

      await waitFor(async () => (peer.byesReceived.length > 0 ? true : undefined), 10_000, 'BYE at session expiry');
      // RFC 4028 §10: before the interval ends (2 s − min(32, 2/3) s after the last refresh).
      expect(Date.now() - lastRefresh).toBeLessThan(5_000);
      expect(await peer.closedByGateway()).toBe(true);
      expect(gateway.logs.some((l) => l.msg === 'session expired without a refresh (RFC 4028)')).toBe(true);
    }, 60_000);

    it('answers a refresh for a dialog it does not hold 481', async () => {
      const peer = await newPeer();
      expect((await authedInvite(peer, { toUser: '+15557772005' })).status).toBe(200);
      expect((await peer.bye()).status).toBe(200);
      expect((await peer.refresh('UPDATE')).status).toBe(481);
    }, 30_000);
  });

  describe('when the MSRP connection stays idle', () => {
    it('closes it at the idle timeout and ends the dialog with BYE', async () => {
      const peer = await newPeer();
      expect((await authedInvite(peer, { toUser: '+15557772006' })).status).toBe(200);
      await peer.connect();
      const connected = Date.now();
      expect(await peer.closedByGateway(15_000)).toBe(true);
      expect(Date.now() - connected).toBeGreaterThanOrEqual(4_500);
      await waitFor(async () => (peer.byesReceived.length > 0 ? true : undefined), 10_000, 'BYE after the idle timeout');
    }, 40_000);
  });
});
