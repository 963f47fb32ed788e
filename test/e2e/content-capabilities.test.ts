/**
 * Typing indicators and content capabilities end to end (issue 8: REQ-COMP-*, REQ-CONTENT-*):
 * the gateway as a process, senders played by sipp, SMS to the SMSC simulator, email to the
 * real Postfix. An indicator must never reach either, whatever its wrapping or transport.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { ensureMailServers, listMail, mailSettings } from '../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import type { SippTransport } from '../helpers/sipp.js';
import { sippSend, type SippResponse } from '../helpers/sipp-send.js';
import { SmscSimulator } from '../sim/smsc-sim.js';

const { localDomain, recipientDomain } = mailSettings;
const CAROL = `carol@${recipientDomain}`;
const MAX_PARTS = 2;
const EMAIL_MAX = 2048;

const IS_COMPOSING = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">',
  '  <state>active</state>',
  '  <contenttype>text/plain</contenttype>',
  '  <refresh>60</refresh>',
  '</isComposing>',
].join('\r\n');

function cpimIndicator(salt: number): string {
  return [
    'From: <sip:alice@127.0.0.1>',
    'To: <sip:+15553330001@127.0.0.1>',
    'DateTime: 2026-11-26T06:14:30Z',
    '',
    'Content-Type: application/im-iscomposing+xml',
    '',
    IS_COMPOSING.replace('<refresh>60</refresh>', `<refresh>${60 + salt}</refresh>`),
  ].join('\r\n');
}

/** A deflated body sipp can carry: its zlib stream must hold no NUL byte. */
function deflatedWithoutNul(make: (salt: number) => string): Buffer {
  for (let salt = 0; salt < 10_000; salt++) {
    const body = deflateSync(Buffer.from(make(salt)));
    if (!body.includes(0)) return body;
  }
  throw new Error('no NUL-free deflate output found');
}

/** Bytes that read as a JPEG to a MIME sniffer, without the NULs sipp cannot send. */
function fakeJpeg(): Buffer {
  const bytes = randomBytes(600).map((b) => (b === 0 ? 1 : b));
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), bytes, Buffer.from([0xff, 0xd9])]);
}

interface Form {
  readonly name: string;
  readonly headers: Record<string, string>;
  readonly body: () => Buffer | string;
}

const FORMS: readonly Form[] = [
  { name: 'plain', headers: { 'Content-Type': 'application/im-iscomposing+xml' }, body: () => IS_COMPOSING },
  { name: 'in CPIM', headers: { 'Content-Type': 'message/cpim' }, body: () => cpimIndicator(0) },
  {
    name: 'deflated',
    headers: { 'Content-Type': 'application/im-iscomposing+xml', 'Content-Encoding': 'deflate' },
    body: () => deflatedWithoutNul((salt) => IS_COMPOSING.replace('60', String(60 + salt))),
  },
  { name: 'deflated in CPIM', headers: { 'Content-Type': 'message/cpim', 'Content-Encoding': 'deflate' }, body: () => deflatedWithoutNul(cpimIndicator) },
];

interface Target {
  readonly name: string;
  readonly toUser: string;
  readonly requestUri?: string;
  /** Whether the 415's Accept may list media (email takes it; SMS only in link mode). */
  readonly media: boolean;
}

const TARGETS: readonly Target[] = [
  { name: 'an SMS number', toUser: '+15553330001', media: false },
  { name: 'an email address', toUser: 'carol', requestUri: `sip:${CAROL}`, media: true },
  // An indicator about an MO conversation is addressed to the gateway itself.
  { name: "Herald's own URI", toUser: 'herald', media: true },
];

describe('content capabilities (gateway process, SMSC simulator, Postfix, sipp)', () => {
  let db: TestDatabase;
  let sim: SmscSimulator;
  let gateway: GatewayProcess;
  let sql: pg.Client;
  let indicatorsSent = 0;

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('e2e_content_caps');
    sim = new SmscSimulator({ accounts: [{ systemId: 'herald', password: 'secret' }] });
    const smscPort = await sim.start();
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-caps-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'smsc1', host: '127.0.0.1', port: smscPort, systemId: 'herald', password: 'secret' }]),
        HERALD_SMPP_MAX_PARTS: String(MAX_PARTS),
        HERALD_ROUTING_EMAIL_DOMAINS: recipientDomain,
        HERALD_SMTP_HOST: mailSettings.host,
        HERALD_SMTP_PORT: String(mailSettings.smtpPort),
        HERALD_SMTP_STARTTLS: 'off',
        HERALD_SMTP_FROM_ADDRESS: `gateway@${localDomain}`,
        HERALD_SMTP_MAX_MESSAGE_BYTES: String(EMAIL_MAX),
      },
    });
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await sim?.stop();
    await db?.drop();
  });

  function expectAdvertisedLimits(response: SippResponse): void {
    expect(response.headers.warning).toContain(`sms-max-parts=${MAX_PARTS}`);
    expect(response.headers.warning).toContain(`email-max-size=${EMAIL_MAX}`);
  }

  describe.each<SippTransport>(['udp', 'tcp'])('when an isComposing indicator arrives over %s', (transport) => {
    describe.each(FORMS)('$name', (form) => {
      it.each(TARGETS)('to $name: answers 415 with an Accept that does not list it', async (target) => {
        const response = await sippSend({
          gatewayPort: gateway.sipPort,
          transport,
          toUser: target.toUser,
          ...(target.requestUri === undefined ? {} : { requestUri: target.requestUri }),
          headers: form.headers,
          body: form.body(),
        });
        indicatorsSent++;
        expect(response.status).toBe(415);
        expect(response.headers.accept).toContain('text/plain');
        expect(response.headers.accept).not.toContain('im-iscomposing');
        expect(response.headers.accept).not.toContain('application/*');
        expect(response.headers.accept?.includes('image/*')).toBe(target.media);
        expectAdvertisedLimits(response);
      });
    });
  });

  describe('when every indicator has been answered', () => {
    it('wrote no ledger row, sent no SMS and no mail, and counted each one', async () => {
      expect(indicatorsSent).toBe(FORMS.length * TARGETS.length * 2);
      await new Promise((r) => setTimeout(r, 1500));
      const rows = await sql.query<{ n: string }>('select count(*) as n from messages');
      expect(Number(rows.rows[0]?.n)).toBe(0);
      expect(sim.submits).toHaveLength(0);
      const mails = await listMail(CAROL);
      expect(mails.filter((m) => /iscomposing/i.test(m.source.toString('latin1')))).toHaveLength(0);
      const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`^herald_iscomposing_dropped_total(\\{[^}]*\\})? ${indicatorsSent}$`, 'm'));
    });
  });

  describe('when a text needs more SMS parts than the route allows', () => {
    it('answers 413 naming the part limit', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport: 'udp',
        toUser: '+15553330002',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body: 'x'.repeat(153 * MAX_PARTS + 20),
      });
      expect(response.status).toBe(413);
      expect(response.headers.warning).toContain('GW_ERR_CONTENT_TOO_LARGE');
      expect(response.headers.warning).toContain(`max-parts=${MAX_PARTS}`);
    });
  });

  describe('when a text is larger than the email limit', () => {
    it('answers 413 with max-size set to the email limit', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport: 'tcp',
        toUser: 'carol',
        requestUri: `sip:${CAROL}`,
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body: 'y'.repeat(EMAIL_MAX + 100),
      });
      expect(response.status).toBe(413);
      expect(response.headers.warning).toContain(`max-size=${EMAIL_MAX}`);
    });
  });

  describe('when an image is sent to an SMS number without link mode', () => {
    it('answers 415 with an Accept of what SMS takes', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport: 'tcp',
        toUser: '+15553330003',
        headers: { 'Content-Type': 'image/jpeg' },
        body: fakeJpeg(),
      });
      expect(response.status).toBe(415);
      expect(response.headers.warning).toContain('GW_ERR_CONTENT_UNSUPPORTED_TYPE');
      expect(response.headers.accept).toBe('text/plain, message/cpim, message/imdn+xml');
      expectAdvertisedLimits(response);
      expect(sim.submits).toHaveLength(0);
    });
  });

  describe('when asked OPTIONS', () => {
    it('advertises every channel limit and the media email takes', async () => {
      const response = await sippSend({ gatewayPort: gateway.sipPort, transport: 'udp', toUser: 'herald', method: 'OPTIONS', headers: {}, body: 'x' });
      expect(response.status).toBe(200);
      expect(response.headers.accept).toContain('image/*');
      expect(response.headers.warning).toContain('max-size=65536');
      expectAdvertisedLimits(response);
    });
  });
});
