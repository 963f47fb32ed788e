/**
 * Page-mode groups, media links and reply-to-all end to end (issue 8: REQ-GROUP-*,
 * REQ-CONTENT-*): the gateway as a process, the IM sender played by sipp (as UAC and as
 * the UAS its IMDNs and replies reach), SMS at the SMSC simulator, email through Postfix
 * into Dovecot.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receivedImdns } from '../helpers/dispositions-harness.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { ensureMailServers, mailSettings, waitForMail } from '../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { runSipp, type SippRun } from '../helpers/sipp.js';
import { sippSend } from '../helpers/sipp-send.js';
import { recipientList } from '../helpers/sip-bodies.js';
import { waitFor } from '../helpers/wait.js';
import { SmscSimulator } from '../sim/smsc-sim.js';
import type { SubmitRecord } from '../sim/smsc-sim-types.js';

const { localDomain, recipientDomain } = mailSettings;
const BOB = `bob@${recipientDomain}`;
const CAROL = `carol@${recipientDomain}`;
const TO = '+15554440001';
const CC = '+15554440002';
/** The number group members reply to: the gateway's, owned by no IM user in the directory. */
const GATEWAY_NUMBER = '+15554449999';


function cpim(from: string, imdnId: string, text: string): string {
  return [
    `From: <${from}>`,
    'To: <sip:group@127.0.0.1>',
    'DateTime: 2026-11-26T06:14:30Z',
    'NS: imdn <urn:ietf:params:imdn>',
    `imdn.Message-ID: ${imdnId}`,
    'imdn.Disposition-Notification: processing',
    '',
    'Content-Type: text/plain;charset=UTF-8',
    '',
    text,
  ].join('\r\n');
}

/** Bytes that read as a JPEG, without the NULs sipp cannot send. */
function fakeJpeg(): Buffer {
  const bytes = randomBytes(700).map((b) => (b === 0 ? 1 : b));
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), bytes, Buffer.from([0xff, 0xd9])]);
}

describe('groups, media links and replies (gateway process, SMSC simulator, Postfix/Dovecot, sipp)', () => {
  let db: TestDatabase;
  let sim: SmscSimulator;
  let gateway: GatewayProcess;
  let sql: pg.Client;
  const running: SippRun[] = [];

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('e2e_groups');
    sim = new SmscSimulator({ accounts: [{ systemId: 'herald', password: 'secret' }] });
    const smscPort = await sim.start();
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-groups-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'smsc1', host: '127.0.0.1', port: smscPort, systemId: 'herald', password: 'secret' }]),
        HERALD_ROUTING_EMAIL_DOMAINS: recipientDomain,
        HERALD_SMTP_HOST: mailSettings.host,
        HERALD_SMTP_PORT: String(mailSettings.smtpPort),
        HERALD_SMTP_STARTTLS: 'off',
        HERALD_SMTP_FROM_ADDRESS: `gateway@${localDomain}`,
        HERALD_SMTP_BOUNCE_ADDRESS: `gateway@${localDomain}`,
        HERALD_MEDIA_LINK_MODE: 'true',
        HERALD_GROUPS_REPLY_TO_ALL: 'true',
        HERALD_GROUPS_REPLY_WINDOW_MINUTES: '30',
      },
    });
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    for (const run of running) run.kill();
    await sql?.end();
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await sim?.stop();
    await db?.drop();
  });

  function submitTo(number: string, matching: RegExp): Promise<SubmitRecord> {
    return waitFor(async () => sim.submits.find((s) => s.destination.endsWith(number.slice(1)) && matching.test(s.text ?? '')), 15_000);
  }

  describe('when a URI-list MESSAGE goes to two numbers (to, cc) and an email address (bcc)', () => {
    it('makes 3 deliveries that name the to/cc members but never the bcc, sends per-recipient IMDNs, and relays a member reply to all', async () => {
      // 3 processing IMDNs, then the relayed SMS reply.
      const uas = await runSipp({ scenario: 'uas-message-200.xml', transport: 'udp', calls: 4, timeoutMs: 60_000 });
      running.push(uas);
      await uas.started;
      const sender = `sip:alice@127.0.0.1:${uas.port}`;
      const imdnId = `grp-${randomBytes(6).toString('hex')}`;
      const text = `Dinner at eight? ${imdnId}`;
      const { body, contentType } = recipientList(
        [
          [`tel:${TO}`, 'to'],
          [`tel:${CC}`, 'cc'],
          [`mailto:${BOB}`, 'bcc'],
        ],
        cpim(sender, imdnId, text),
      );
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport: 'tcp',
        toUser: 'group',
        headers: { 'Content-Type': contentType, Require: 'recipient-list-message' },
        body,
      });
      expect(response.status).toBe(202);

      const rows = await sql.query<{ channel: string; target_uri: string; copy_control: string }>(
        'select d.channel, d.target_uri, d.copy_control from deliveries d join messages m on m.id = d.message_id where m.imdn_message_id = $1 order by d.created_at, d.id',
        [imdnId],
      );
      expect(rows.rows.map((r) => [r.channel, r.target_uri, r.copy_control])).toEqual([
        ['sms', `tel:${TO}`, 'to'],
        ['sms', `tel:${CC}`, 'cc'],
        ['email', `mailto:${BOB}`, 'bcc'],
      ]);

      const toSms = await submitTo(TO, new RegExp(imdnId));
      const ccSms = await submitTo(CC, new RegExp(imdnId));
      expect(toSms.text).toBe(`To: ${CC}\n${text}`);
      expect(ccSms.text).toBe(`To: ${TO}\n${text}`);
      for (const sms of [toSms, ccSms]) expect(sms.text).not.toContain('bob');

      const mail = await waitForMail(BOB, (m) => m.source.toString('latin1').includes(imdnId));
      const source = mail.source.toString('latin1');
      // nodemailer quotes the group's display name, which RFC 5322 allows.
      expect(source).toMatch(/^To: "?undisclosed-recipients"?:;/m);
      expect(source).toContain(`To: ${TO}`);
      expect(source).toContain(`Cc: ${CC}`);
      expect(source).not.toMatch(new RegExp(`^(To|Cc):.*${BOB}`, 'm'));

      // A reply from the to member, to the gateway's number: the IM sender gets it, and with
      // reply-to-all the cc member too (never the bcc one, never the replier).
      const replyText = `Count me in ${randomBytes(3).toString('hex')}`;
      await waitFor(async () => (sim.boundSessions().length > 0 ? true : undefined), 10_000);
      await sim.injectMo({ source: TO, destination: GATEWAY_NUMBER, text: replyText });
      const copy = await submitTo(CC, new RegExp(replyText));
      expect(copy.text).toBe(`From ${TO}; To: alice@127.0.0.1:${uas.port}\n${replyText}`);

      const result = await uas.done;
      const imdns = receivedImdns(result);
      expect(imdns.map((i) => i.imdn.messageId)).toEqual([imdnId, imdnId, imdnId]);
      expect(imdns.map((i) => `${i.imdn.notification.type}/${i.imdn.notification.status}`)).toEqual(Array(3).fill('processing/processed'));
      expect(new Set(imdns.map((i) => i.imdn.recipientUri))).toEqual(new Set([`tel:${TO}`, `tel:${CC}`, `mailto:${BOB}`]));
      expect(result.messages).toContain(replyText);
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.submits.filter((s) => (s.text ?? '').includes(replyText))).toHaveLength(1);
    });
  });

  describe('when an image goes to an SMS number in link mode', () => {
    it('sends an SMS whose link returns the image, and 410 once the link expired', async () => {
      const image = fakeJpeg();
      const response = await sippSend({ gatewayPort: gateway.sipPort, transport: 'tcp', toUser: '+15554440003', headers: { 'Content-Type': 'image/jpeg' }, body: image });
      expect(response.status).toBe(202);
      const sms = await submitTo('+15554440003', /\/m\//);
      const url = /(http:\/\/\S+\/m\/[A-Za-z0-9_-]{22})$/.exec(sms.text ?? '')?.[1];
      expect(sms.text).toMatch(/^Picture \(image\/jpeg\): http:/);
      expect(url, sms.text).toBeDefined();
      expect(url?.startsWith(`${gateway.httpUrl}/m/`), `${url} on ${gateway.httpUrl}`).toBe(true);
      const fetched = await fetch(url ?? '');
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-type')).toBe('image/jpeg');
      expect(fetched.headers.get('x-content-type-options')).toBe('nosniff');
      // sipp ends the body with CRLF: what was stored is the image and those two bytes.
      expect(Buffer.from(await fetched.arrayBuffer()).subarray(0, image.length).equals(image)).toBe(true);

      expect((await fetch(`${gateway.httpUrl}/m/${'A'.repeat(22)}`)).status).toBe(404);
      const token = url?.split('/m/')[1] ?? '';
      await sql.query("update media_links set expires_at = now() - interval '1 minute' where token = $1", [token]);
      expect((await fetch(url ?? '')).status).toBe(410);
    });
  });

  describe('when an image goes to an email address', () => {
    it('attaches it to the mail', async () => {
      const image = fakeJpeg();
      const subject = `pic-${randomBytes(4).toString('hex')}`;
      const body = [
        'From: <sip:alice@127.0.0.1>',
        `To: <sip:${CAROL}>`,
        `Subject: ${subject}`,
        '',
        'Content-Type: image/jpeg',
        '',
        '',
      ].join('\r\n');
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport: 'tcp',
        toUser: 'carol',
        requestUri: `sip:${CAROL}`,
        headers: { 'Content-Type': 'message/cpim' },
        body: Buffer.concat([Buffer.from(body, 'latin1'), image]),
      });
      expect(response.status).toBe(202);
      const mail = await waitForMail(CAROL, (m) => m.source.toString('latin1').includes(subject));
      const source = mail.source.toString('latin1');
      expect(source).toMatch(/Content-Type: image\/jpeg; name=attachment\.jpg/i);
      const b64 = /Content-Transfer-Encoding: base64[^\n]*\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(source.slice(source.search(/image\/jpeg/i)))?.[1] ?? '';
      // sipp ends the body with CRLF; the attachment is the image with those two bytes.
      expect(Buffer.from(b64.replace(/\s+/g, ''), 'base64').subarray(0, image.length).equals(image)).toBe(true);
    });
  });
});
