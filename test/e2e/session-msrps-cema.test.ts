/**
 * Session mode over TLS (msrps, RFC 4975 §6/§14) and through a middlebox that anchors the
 * MSRP connection (CEMA, RFC 6714), against the gateway process (dist/). The IM user is the
 * test peer (test/helpers/msrp-peer.ts, its own wire code and node:tls); its certificate
 * trust is a self-signed certificate made for this run, as a CA or, with the peer's own
 * self-signed certificate, by the SDP `a=fingerprint` each side names (RFC 4975 §14.2).
 */
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { cpimText, MsrpTestPeer, sha256Fingerprint, type PeerFrame } from '../helpers/msrp-peer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { selfSignedCertificate, type TestCertificate } from '../helpers/self-signed-cert.js';
import { waitFor } from '../helpers/wait.js';
import { SmscSimulator } from '../sim/smsc-sim.js';

const run = promisify(execFile);

interface ListedMessage {
  readonly id: string;
  readonly session: { readonly id: string; readonly secure: boolean; readonly farParty: string; readonly endReason: string | null } | null;
}

/** The imdn Message-IDs of the delivered IMDNs the peer received inside its session. */
function deliveredIn(frames: readonly PeerFrame[]): Set<string> {
  return new Set(
    frames
      .filter((f) => f.method === 'SEND' && f.body.toString('utf8').includes('<delivered/>'))
      .map((f) => /<message-id>([^<]+)<\/message-id>/.exec(f.body.toString('utf8'))?.[1] ?? ''),
  );
}

describe('session mode over msrps and with CEMA (gateway process, SMSC simulator)', () => {
  let db: TestDatabase;
  let sim: SmscSimulator;
  let gateway: GatewayProcess;
  let certificate: TestCertificate;
  const peers: MsrpTestPeer[] = [];

  beforeAll(async () => {
    certificate = selfSignedCertificate();
    db = await createTestDatabase('e2e_session_msrps');
    sim = new SmscSimulator({ accounts: [{ systemId: 'herald', password: 'secret' }], receipts: { delayMs: 100, outcome: () => 'DELIVRD' } });
    const smscPort = await sim.start();
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-msrps-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SESSION_ENABLED: 'true',
        HERALD_SESSION_MSRP_PORT: '0',
        HERALD_SESSION_MSRPS_PORT: '0',
        HERALD_SESSION_TLS_CERT_FILE: certificate.certFile,
        HERALD_SESSION_TLS_KEY_FILE: certificate.keyFile,
        HERALD_SESSION_RECONNECT_GRACE_MS: '2000',
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

  async function newPeer(options: { secure?: boolean; identity?: TestCertificate } = {}): Promise<MsrpTestPeer> {
    const peer = new MsrpTestPeer(undefined, { secure: options.secure, tlsCa: certificate.cert, ...(options.identity === undefined ? {} : { tlsIdentity: options.identity }) });
    await peer.open();
    peers.push(peer);
    return peer;
  }

  /** Sends `count` CPIM messages asking for delivery IMDNs; each must be answered 200. */
  async function chat(peer: MsrpTestPeer, number: string, count: number, label: string): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, i) => `${label}-${i}-${randomBytes(3).toString('hex')}`);
    for (const [i, id] of ids.entries()) {
      expect(await peer.sendMessage('message/cpim', cpimText(peer.uri, `sip:${number}@127.0.0.1`, id, `${label} line ${i}`))).toEqual([200]);
    }
    return ids;
  }

  describe('when the offer is TCP/TLS/MSRP', () => {
    it('answers with an msrps path on the TLS listener, and the chat goes to SMS with delivered IMDNs back over TLS', async () => {
      const number = '+15557771001';
      const peer = await newPeer({ secure: true });
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: number });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/^m=message \d+ TCP\/TLS\/MSRP \*$/m);
      expect(peer.remotePath).toMatch(/^msrps:\/\/127\.0\.0\.1:\d+\/[^;]+;tcp$/);
      const started = gateway.logs.find((l) => l.msg === 'herald started');
      expect(peer.remotePath).toContain(`:${String(started?.msrps ?? '').split(':').at(-1)}/`);
      // The peer verifies Herald's certificate (its CA is the self-signed one): a real TLS handshake.
      await peer.connect();

      const ids = await chat(peer, number, 5, 'tls');
      await waitFor(async () => (sim.submits.filter((s) => s.destination.endsWith(number.slice(1))).length >= 5 ? true : undefined), 60_000, '5 submits');
      expect(new Set(sim.submits.filter((s) => s.destination.endsWith(number.slice(1))).map((s) => s.text))).toEqual(new Set(ids.map((_, i) => `tls line ${i}`)));
      await waitFor(async () => (ids.every((id) => deliveredIn(peer.frames).has(id)) ? true : undefined), 60_000, '5 delivered IMDNs over msrps');
      expect(peer.frames.find((f) => f.method === 'SEND')?.headers.get('to-path')).toBe(peer.localPath);
      expect(peer.messagesReceived).toEqual([]);
      expect((await peer.bye()).status).toBe(200);

      // The admin API shows each message with its session, and lists the session's messages.
      const env = { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, HERALD_LOG_LEVEL: 'warn' };
      const token = (await run(process.execPath, ['dist/src/cli.js', 'token', 'create', '--name', 'msrps', '--role', 'viewer'], { env })).stdout.trim();
      const get = async (query: string): Promise<ListedMessage[]> => {
        const res = await fetch(`${gateway.httpUrl}/api/v1/messages?${query}`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        return ((await res.json()) as { items: ListedMessage[] }).items;
      };
      const mine = await get(`sender=${peer.user}`);
      expect(mine).toHaveLength(5);
      const sessionId = mine[0]?.session?.id ?? '';
      expect(mine.every((m) => m.session?.id === sessionId && m.session.secure && m.session.farParty === `tel:${number}`)).toBe(true);
      expect((await get(`session=${sessionId}`)).map((m) => m.id).sort()).toEqual(mine.map((m) => m.id).sort());
      await waitFor(async () => ((await get(`session=${sessionId}&limit=1`))[0]?.session?.endReason === 'BYE' ? true : undefined), 10_000, 'the session ended by BYE');
    }, 120_000);

    it('closes plain TCP and junk sent to the msrps port, and stays up', async () => {
      const peer = await newPeer({ secure: true });
      expect((await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557771005' })).status).toBe(200);
      const tlsPort = Number(/:(\d+)\//.exec(peer.remotePath)?.[1]);
      const plainFrame = `MSRP abcd1234 SEND\r\nTo-Path: ${peer.remotePath}\r\nFrom-Path: ${peer.localPath}\r\nMessage-ID: p1\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------abcd1234$\r\n`;
      for (const input of [Buffer.from(plainFrame), randomBytes(2_000), Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), randomBytes(600)])]) {
        const answer = await new Promise<string>((resolve) => {
          let got = '';
          const socket = net.connect(tlsPort, '127.0.0.1', () => socket.write(input));
          socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
          socket.on('error', () => resolve(got));
          socket.on('close', () => resolve(got));
        });
        // Never an MSRP answer in clear on the TLS port.
        expect(answer).not.toContain('MSRP ');
      }
      expect((await fetch(`${gateway.httpUrl}/healthz`)).ok).toBe(true);
      await peer.connect();
      expect(await peer.sendMessage('text/plain', Buffer.from('after the junk'))).toEqual([200]);
    }, 60_000);

    it('refuses a TCP/MSRP offer whose path is msrps (the transports disagree) with 488', async () => {
      const peer = await newPeer({ secure: true });
      const sdp = peer.offer().replace('TCP/TLS/MSRP', 'TCP/MSRP');
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557771002', sdp });
      expect(answer.status).toBe(488);
      expect(answer.headers.get('warning')).toContain('GW_ERR_SDP_UNACCEPTABLE');
    }, 30_000);
  });

  describe('when a middlebox anchors the connection and CEMA is negotiated (RFC 6714)', () => {
    it('connects to the c=/m= address, not the a=path host, and the chat works', async () => {
      const number = '+15557771003';
      const peer = await newPeer();
      // The path names a host nobody can reach; only c=/m= (the "SBC", here the peer's listener) works.
      peer.pathHost = 'relay.invalid';
      const port = await peer.listen();
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: number, sdp: peer.offer({ setup: 'passive', port, cema: true }) });
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('a=msrp-cema');
      expect(answer.body).toContain('a=setup:active');
      await peer.accepted();
      // Herald binds the connection with an empty SEND whose To-Path still names the path URI.
      const bind = await peer.waitFrame((f) => f.method === 'SEND' && f.body.length === 0, 10_000);
      expect(bind.headers.get('to-path')).toBe(peer.localPath);

      const ids = await chat(peer, number, 3, 'cema');
      await waitFor(async () => (ids.every((id) => deliveredIn(peer.frames).has(id)) ? true : undefined), 60_000, '3 delivered IMDNs through the anchor');
      expect((await peer.bye()).status).toBe(200);
    }, 90_000);

    it('without a=msrp-cema follows the path URI, cannot connect, and ends the dialog with BYE', async () => {
      const peer = await newPeer();
      peer.pathHost = 'relay.invalid';
      const port = await peer.listen();
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557771004', sdp: peer.offer({ setup: 'passive', port }) });
      expect(answer.status).toBe(200);
      expect(answer.body).not.toContain('msrp-cema');
      const bye = await waitFor(async () => peer.byesReceived[0], 20_000, 'BYE from Herald');
      expect(bye).toMatch(/^BYE sip:/);
      await expect(peer.accepted(500)).rejects.toThrow('Herald did not connect');
    }, 40_000);
  });

  describe('when the offer carries a=fingerprint (RFC 4975 §14.2, self-signed certificates on both sides)', () => {
    /** The peer's own certificate: self-signed, trusted by no one, named only by its SDP. */
    const peerCertificate = selfSignedCertificate();
    /** Herald's a=fingerprint as the peer computes it (its own code) from the configured certificate. */
    const heraldFingerprint = (): string => `sha-256 ${sha256Fingerprint(new X509Certificate(certificate.cert).raw)}`;
    const gatewayUp = async (): Promise<boolean> => (await fetch(`${gateway.httpUrl}/healthz`)).ok;
    /** Whether the gateway logs such a line within 5 s: a BYE over UDP can beat its log line to the test. */
    const logged = (matches: (line: Record<string, unknown>) => boolean): Promise<boolean> =>
      waitFor(async () => (gateway.logs.some(matches) ? true : undefined), 5_000, 'a gateway log line').catch(() => false);

    it('the peer connects: it checks Herald by the answer’s fingerprint, Herald checks it by the offer’s, and the chat gets its delivered IMDNs', async () => {
      const number = '+15557771011';
      const peer = await newPeer({ secure: true, identity: peerCertificate });
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: number, sdp: peer.offer({ fingerprint: peer.ownFingerprint }) });
      expect(answer.status).toBe(200);
      expect(peer.heraldFingerprint).toBe(heraldFingerprint());
      // connect() throws unless the certificate Herald presents is the one its answer names.
      await peer.connect();
      expect(`sha-256 ${peer.presentedFingerprint ?? ''}`).toBe(heraldFingerprint());

      const ids = await chat(peer, number, 3, 'fp-in');
      await waitFor(async () => (ids.every((id) => deliveredIn(peer.frames).has(id)) ? true : undefined), 60_000, '3 delivered IMDNs over msrps');
      expect((await peer.bye()).status).toBe(200);
    }, 90_000);

    it('Herald connects: it accepts the peer’s self-signed certificate by its fingerprint (tlsRejectUnauthorized on), presents its own, and the chat gets its delivered IMDNs', async () => {
      const number = '+15557771012';
      const peer = await newPeer({ secure: true, identity: peerCertificate });
      const port = await peer.listen();
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: number, sdp: peer.offer({ setup: 'passive', port, fingerprint: peer.ownFingerprint }) });
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('a=setup:active');
      expect(peer.heraldFingerprint).toBe(heraldFingerprint());
      await peer.accepted();
      await peer.waitFrame((f) => f.method === 'SEND' && f.body.length === 0, 10_000);
      // The client certificate Herald presented is the one its answer names.
      expect(`sha-256 ${peer.presentedFingerprint ?? ''}`).toBe(heraldFingerprint());

      const ids = await chat(peer, number, 3, 'fp-out');
      await waitFor(async () => (ids.every((id) => deliveredIn(peer.frames).has(id)) ? true : undefined), 60_000, '3 delivered IMDNs over msrps');
      expect((await peer.bye()).status).toBe(200);
    }, 90_000);

    it('closes a connection whose certificate is not the offer’s fingerprint, unread; the session ends with BYE and the gateway stays up', async () => {
      const peer = await newPeer({ secure: true, identity: peerCertificate });
      // A fingerprint that is not the peer's certificate (Herald's own, as good as any other).
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557771013', sdp: peer.offer({ fingerprint: heraldFingerprint() }) });
      expect(answer.status).toBe(200);
      await peer.connect({ bind: false });
      const tid = peer.sendChunk({ messageId: 'fp-wrong', contentType: 'text/plain', body: Buffer.from('from the wrong certificate'), range: '1-26/26' });
      expect(await peer.closedByGateway()).toBe(true);
      expect(peer.frames.filter((f) => f.tid === tid)).toEqual([]);
      // No connection came that the session would take: it ends at its grace, and Herald says BYE.
      expect(await waitFor(async () => peer.byesReceived[0], 20_000, 'BYE from Herald')).toMatch(/^BYE sip:/);
      expect(await logged((l) => l.code === 'GW_ERR_MSRP_FINGERPRINT' && l.msg === 'msrps connection refused: certificate does not match a=fingerprint')).toBe(true);
      expect(sim.submits.some((s) => s.text === 'from the wrong certificate')).toBe(false);
      expect(await gatewayUp()).toBe(true);
    }, 40_000);

    it('refuses the listening peer whose certificate is not the offer’s fingerprint: no bind SEND, the session ends with BYE, the gateway stays up', async () => {
      const peer = await newPeer({ secure: true, identity: peerCertificate });
      const port = await peer.listen();
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557771014', sdp: peer.offer({ setup: 'passive', port, fingerprint: heraldFingerprint() }) });
      expect(answer.status).toBe(200);
      expect(await waitFor(async () => peer.byesReceived[0], 20_000, 'BYE from Herald')).toMatch(/^BYE sip:/);
      expect(peer.frames.filter((f) => f.method === 'SEND')).toEqual([]);
      expect(await logged((l) => l.code === 'GW_ERR_MSRP_FINGERPRINT' && l.msg === 'MSRP connection to the offerer failed')).toBe(true);
      expect(await logged((l) => l.msg === 'session ended' && l.reason === 'certificate fingerprint mismatch')).toBe(true);
      expect(await gatewayUp()).toBe(true);
    }, 40_000);

    it('refuses an offer whose only a=fingerprint uses a hash other than sha-256 or sha-1 with 488', async () => {
      const peer = await newPeer({ secure: true, identity: peerCertificate });
      const md5 = `md5 ${Array.from({ length: 16 }, () => 'AB').join(':')}`;
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557771015', sdp: peer.offer({ fingerprint: md5 }) });
      expect(answer.status).toBe(488);
      expect(answer.headers.get('warning')).toContain('GW_ERR_SDP_UNACCEPTABLE');
    }, 30_000);
  });
});
