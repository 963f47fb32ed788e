/**
 * Session mode through the gateway process (dist/): an IM user (test/helpers/msrp-peer.ts,
 * its own MSRP wire code) invites Herald to an MSRP session towards an SMS number, chats,
 * and gets the delivery IMDNs back inside the session (TS 29.311).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { cpimText, MsrpTestPeer } from '../helpers/msrp-peer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { mailSettings, waitForMail } from '../helpers/mail.js';
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
        HERALD_ROUTING_EMAIL_DOMAINS: mailSettings.recipientDomain,
        HERALD_SMTP_HOST: mailSettings.host,
        HERALD_SMTP_PORT: String(mailSettings.smtpPort),
        HERALD_SMTP_STARTTLS: 'off',
        HERALD_SMTP_FROM_ADDRESS: `gateway@${mailSettings.localDomain}`,
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

      // A BYE must name the dialog's tags: the same Call-ID with another To tag ends nothing.
      expect((await peer.bye({ toTag: 'not-herald' })).status).toBe(481);
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

  describe('when the TCP connection drops in the middle of a chunk', () => {
    it('keeps what came, and the rest sent on a new connection completes the message', async () => {
      const number = '+15557770004';
      const peer = await newPeer();
      expect((await peer.invite({ gatewayPort: gateway.sipPort, toUser: number })).status).toBe(200);
      // No binding SEND first: the cut chunk itself must bind the connection.
      await peer.connect({ bind: false });
      const text = `resumed-${randomBytes(4).toString('hex')}-`.padEnd(100, 'x');
      const body = Buffer.from(text);
      // Headers and 60 bytes of a 100-byte chunk, then the connection is gone.
      const tid = 'cut1234567';
      const head = [`MSRP ${tid} SEND`, `To-Path: ${peer.remotePath}`, `From-Path: ${peer.localPath}`, 'Message-ID: resume1', 'Byte-Range: 1-100/100', 'Content-Type: text/plain', '', ''].join('\r\n');
      peer.write(Buffer.concat([Buffer.from(head), body.subarray(0, 60)]));
      await new Promise((r) => setTimeout(r, 300));
      peer.drop();
      await new Promise((r) => setTimeout(r, 300));
      // The sender cannot know how much arrived; it resends from byte 31 (RFC 4975 §7.1.1).
      await peer.connect();
      const resumed = peer.sendChunk({ messageId: 'resume1', contentType: 'text/plain', body: body.subarray(30), range: '31-100/100' });
      const response = await peer.waitFrame((f) => f.tid === resumed && f.status !== undefined);
      expect(response.status).toBe(200);
      const submit = await waitFor(async () => sim.submits.find((s) => s.destination.endsWith(number.slice(1))), 30_000, 'the resumed SMS');
      expect(submit.text).toBe(text);
    }, 60_000);
  });

  describe('when reports are asked for', () => {
    it('sends a success REPORT for Success-Report: yes, and no response at all for Failure-Report: no', async () => {
      const peer = await newPeer();
      expect((await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557770005' })).status).toBe(200);
      await peer.connect();
      const statuses = await peer.sendMessage('text/plain', Buffer.from('report me'), { messageId: 'rep1', extra: ['Success-Report: yes'] });
      expect(statuses).toEqual([200]);
      const report = await peer.waitFrame((f) => f.method === 'REPORT');
      expect(report.headers.get('message-id')).toBe('rep1');
      expect(report.headers.get('status')).toBe('000 200 OK');
      expect(report.headers.get('byte-range')).toBe('1-9/9');
      // is-composing is never relayed to SMS (REQ-COMP): refused, and with Failure-Report: no, silently.
      const composing = '<?xml version="1.0"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state></isComposing>';
      const quiet = peer.sendChunk({ messageId: 'quiet1', contentType: 'application/im-iscomposing+xml', body: Buffer.from(composing), range: `1-${composing.length}/${composing.length}`, extra: ['Failure-Report: no'] });
      const told = peer.sendChunk({ messageId: 'told1', contentType: 'application/im-iscomposing+xml', body: Buffer.from(composing), range: `1-${composing.length}/${composing.length}` });
      const toldResponse = await peer.waitFrame((f) => f.tid === told && f.status !== undefined);
      expect(toldResponse.status).toBe(415);
      expect(peer.frames.some((f) => f.tid === quiet)).toBe(false);
    }, 60_000);
  });

  describe('when a Large Message Mode message cannot fit the SMS limit', () => {
    it('answers MSRP 413 and sends no SMS', async () => {
      const number = '+15557770006';
      const peer = await newPeer();
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: number, headers: ['Accept-Contact: *;+g.oma.sip-im.large-message'] });
      expect(answer.status).toBe(200);
      await peer.connect();
      const statuses = await peer.sendMessage('text/plain', Buffer.alloc(5_000, 'a'));
      expect(statuses.at(-1)).toBe(413);
      expect(await peer.closedByGateway()).toBe(true);
      expect(sim.submits.some((s) => s.destination.endsWith(number.slice(1)))).toBe(false);
    }, 60_000);
  });

  describe('when a Large Message Mode message of 5,000 bytes goes to email', () => {
    it('sends it as one email and ends the session with a BYE', async () => {
      const peer = await newPeer();
      const to = `carol@${mailSettings.recipientDomain}`;
      const answer = await peer.invite({ gatewayPort: gateway.sipPort, toUser: 'carol', toUri: `sip:${to}`, headers: ['Accept-Contact: *;+g.oma.sip-im.large-message'] });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/a=max-size:\d+/);
      await peer.connect();
      const marker = `lmm-${randomBytes(4).toString('hex')}`;
      const text = `${marker} `.padEnd(5_000, 'z');
      expect(await peer.sendMessage('text/plain', Buffer.from(text))).toEqual([200, 200, 200]);
      expect(await peer.closedByGateway()).toBe(true);
      // Herald ends the dialog too: a BYE in it, From carrying the tag of its 200.
      const bye = await waitFor(async () => peer.byesReceived[0], 10_000, 'BYE from Herald');
      expect(bye).toMatch(new RegExp(`^BYE sip:${peer.user}@127\\.0\\.0\\.1:\\d+ SIP/2\\.0\r\n`));
      expect(bye).toContain(`To: <${peer.uri}>;tag=`);
      const mail = await waitForMail(to, (m) => m.source.toString('latin1').includes(marker), 30_000);
      expect(mail.source.toString('latin1')).toContain('zzzzzzzzzz');
    }, 60_000);
  });

  describe('when an MO SMS arrives for a user with an open session', () => {
    it('goes into the session as an MSRP SEND', async () => {
      const mobile = '15557770007';
      const ownNumber = '4915100007777';
      const peer = await newPeer();
      const sql = new pg.Client({ connectionString: db.url });
      await sql.connect();
      try {
        await sql.query('insert into directory (im_uri, msisdn) values ($1, $2)', [peer.uri, `+${ownNumber}`]);
      } finally {
        await sql.end();
      }
      expect((await peer.invite({ gatewayPort: gateway.sipPort, toUser: `+${mobile}` })).status).toBe(200);
      await peer.connect();
      const text = `mo-${randomBytes(4).toString('hex')}`;
      await sim.injectMo({ source: mobile, destination: ownNumber, text });
      const send = await peer.waitFrame((f) => f.method === 'SEND' && f.body.toString('utf8').includes(text), 30_000);
      expect(send.headers.get('to-path')).toBe(peer.localPath);
    }, 60_000);
  });

  describe('when the MSRP listener is fed junk', () => {
    it('closes those connections and the gateway stays up, its sessions working', async () => {
      const started = gateway.logs.find((l) => l.msg === 'herald started');
      const msrpPort = Number(String(started?.msrp ?? '').split(':').at(-1));
      expect(msrpPort).toBeGreaterThan(0);
      const peer = await newPeer();
      expect((await peer.invite({ gatewayPort: gateway.sipPort, toUser: '+15557770008' })).status).toBe(200);
      await peer.connect();
      const seed = Buffer.from(`MSRP abcd1234 SEND\r\nTo-Path: ${peer.remotePath}\r\nFrom-Path: ${peer.localPath}\r\nMessage-ID: f1\r\nContent-Type: text/plain\r\n\r\nhello\r\n-------abcd1234$\r\n`);
      for (let i = 0; i < 60; i++) {
        const junk = Buffer.from(seed);
        for (let k = 0; k < 6; k++) junk[Math.floor(Math.random() * junk.length)] = Math.floor(Math.random() * 256);
        const input = i % 3 === 0 ? randomBytes(200 + i * 40) : i % 3 === 1 ? junk : Buffer.concat([seed.subarray(0, 90), Buffer.alloc(70_000, 0x41)]);
        await new Promise<void>((resolve) => {
          const socket = net.connect(msrpPort, '127.0.0.1', () => socket.write(input));
          socket.on('error', () => resolve());
          socket.on('close', () => resolve());
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 1_000);
        });
      }
      expect((await fetch(`${gateway.httpUrl}/healthz`)).ok).toBe(true);
      expect(gateway.child.exitCode).toBeNull();
      expect(await peer.sendMessage('text/plain', Buffer.from('still here'))).toEqual([200]);
    }, 120_000);
  });

  describe('when the IM client refuses what Herald sends inside the session', () => {
    it('sends the delivered IMDN as a SIP MESSAGE instead, so it is not lost', async () => {
      const number = '+15557770009';
      const peer = await newPeer();
      expect((await peer.invite({ gatewayPort: gateway.sipPort, toUser: number })).status).toBe(200);
      await peer.connect();
      peer.answerSends = 403;
      const id = `refused-${randomBytes(3).toString('hex')}`;
      expect(await peer.sendMessage('message/cpim', cpimText(peer.uri, `sip:${number}@127.0.0.1`, id, 'say it elsewhere'))).toEqual([200]);
      const message = await waitFor(async () => peer.messagesReceived.find((m) => m.includes(`<message-id>${id}</message-id>`) && m.includes('<delivered/>')), 60_000, 'the IMDN as MESSAGE');
      expect(message).toMatch(/^MESSAGE sip:/);
      // It was tried inside the session first, and refused there.
      expect(peer.frames.some((f) => f.method === 'SEND' && f.body.toString('utf8').includes(id))).toBe(true);
    }, 90_000);
  });
});
