import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { runSipp, type SippTransport } from '../helpers/sipp.js';
import { sippSend } from '../helpers/sipp-send.js';
import { recipientList } from '../helpers/sip-bodies.js';

const MAX_BODY = 4096;

function cpim(imdnId: string, text: string, options: { lfOnly?: boolean; disposition?: string } = {}): string {
  const lines = [
    'From: <sip:alice@example.com>',
    'To: <sip:+15551234567@gw.example.com>',
    'DateTime: 2026-11-26T06:14:30Z',
    'NS: imdn <urn:ietf:params:imdn>',
    `imdn.Message-ID: ${imdnId}`,
    `imdn.Disposition-Notification: ${options.disposition ?? 'positive-delivery, negative-delivery'}`,
    '',
    'Content-Type: text/plain;charset=UTF-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    '',
    text,
  ];
  return lines.join(options.lfOnly ? '\n' : '\r\n');
}

/** A deflated body sipp can carry: its zlib stream must hold no NUL byte. */
function deflatedWithoutNul(make: (salt: number) => string): Buffer {
  for (let salt = 0; salt < 10_000; salt++) {
    const body = deflateSync(Buffer.from(make(salt)));
    if (!body.includes(0)) return body;
  }
  throw new Error('no NUL-free deflate output found');
}



describe('SIP ingress (gateway process driven by sipp)', () => {
  let db: TestDatabase;
  let gateway: GatewayProcess;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_sip_ingress');
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_ALLOWED_NETWORKS: '127.0.0.1/32',
        HERALD_SIP_MAX_BODY_BYTES: String(MAX_BODY),
        HERALD_ROUTING_EMAIL_DOMAINS: 'example.com',
      },
    });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await db?.drop();
  });

  async function messagesWithImdnId(imdnId: string): Promise<{ body: Buffer; imdn_requests: unknown; sender_uri: string }[]> {
    const rows = await client.query<{ body: Buffer; imdn_requests: unknown; sender_uri: string }>(
      'select body, imdn_requests, sender_uri from messages where imdn_message_id = $1',
      [imdnId],
    );
    return rows.rows;
  }

  describe.each<SippTransport>(['udp', 'tcp'])('over %s', (transport) => {
    it('answers a CPIM MESSAGE with IMDN request 202 and stores it', async () => {
      const imdnId = `imdn-${transport}-${randomBytes(6).toString('hex')}`;
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234567',
        headers: { 'Content-Type': 'message/cpim' },
        body: cpim(imdnId, 'Hello from a CPIM-wrapped IM'),
      });
      expect(response.status).toBe(202);
      const rows = await messagesWithImdnId(imdnId);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.body.toString('utf8')).toBe('Hello from a CPIM-wrapped IM');
      expect(rows[0]?.sender_uri).toBe('sip:alice@example.com');
    });

    it('answers plain text 202 and stores it', async () => {
      const text = `plain ${transport} ${randomBytes(6).toString('hex')}`;
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234568',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body: text,
      });
      expect(response.status).toBe(202);
      // sipp ends the body with CRLF; the stored text is what arrived.
      const rows = await client.query<{ n: string }>("select count(*) as n from messages where convert_from(body, 'UTF8') like $1", [`${text}%`]);
      expect(Number(rows.rows[0]?.n)).toBe(1);
    });

    it('inflates a deflated CPIM body and parses it', async () => {
      const imdnId = `deflated-${transport}-${randomBytes(6).toString('hex')}`;
      const body = deflatedWithoutNul((salt) => cpim(imdnId, `compressed hello ${salt}`, { lfOnly: true }));
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234569',
        headers: { 'Content-Type': 'message/cpim', 'Content-Encoding': 'deflate' },
        body,
      });
      expect(response.status).toBe(202);
      const rows = await messagesWithImdnId(imdnId);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.body.toString('utf8')).toMatch(/^compressed hello \d+$/);
    });

    it('refuses an oversized body with 413 carrying the limit', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234567',
        headers: { 'Content-Type': 'text/plain' },
        body: 'x'.repeat(MAX_BODY + 500),
      });
      expect(response.status).toBe(413);
      expect(response.headers.warning).toContain(`max-size=${MAX_BODY}`);
    });

    it('refuses an unknown content type with 415 and Accept', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234567',
        headers: { 'Content-Type': 'application/x-unknown' },
        body: 'whatever',
      });
      expect(response.status).toBe(415);
      expect(response.headers.accept).toContain('message/cpim');
      expect(response.headers.accept).toContain('text/plain');
    });

    it('refuses an unknown content encoding with 415 and Accept-Encoding', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234567',
        headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'br' },
        body: 'whatever',
      });
      expect(response.status).toBe(415);
      expect(response.headers['accept-encoding']).toContain('deflate');
    });

    it('refuses malformed CPIM with 400 naming the fault', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234567',
        headers: { 'Content-Type': 'message/cpim' },
        body: 'this is not a CPIM message at all',
      });
      expect(response.status).toBe(400);
      expect(response.headers.warning).toContain('GW_ERR_CPIM_MALFORMED');
    });

    it('refuses a malformed IMDN XML notification with 400', async () => {
      const imdn = [
        'From: <sip:bob@example.com>',
        'To: <sip:herald@127.0.0.1>',
        'NS: imdn <urn:ietf:params:imdn>',
        'imdn.Message-ID: bad-xml-1',
        '',
        'Content-Type: message/imdn+xml',
        'Content-Disposition: notification',
        '',
        '<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>x</message-id><oops>',
      ].join('\r\n');
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: 'herald',
        headers: { 'Content-Type': 'message/cpim' },
        body: imdn,
      });
      expect(response.status).toBe(400);
      expect(response.headers.warning).toMatch(/GW_ERR_(XML|IMDN)_MALFORMED/);
    });

    it('stores a retransmitted or re-sent MESSAGE once', async () => {
      const imdnId = `resent-${transport}-${randomBytes(6).toString('hex')}`;
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234570',
        headers: { 'Content-Type': 'message/cpim' },
        body: cpim(imdnId, 'said twice'),
        repeat: 3,
      });
      expect(response.status).toBe(202);
      // And once more in a new SIP transaction with the same sender and imdn.Message-ID.
      const again = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234570',
        headers: { 'Content-Type': 'message/cpim' },
        body: cpim(imdnId, 'said twice'),
      });
      expect(again.status).toBe(202);
      expect(await messagesWithImdnId(imdnId)).toHaveLength(1);
    });

    it('refuses a peer outside the allowed networks with 403', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234567',
        headers: { 'Content-Type': 'text/plain' },
        body: 'from a stranger',
        localHost: '127.0.0.2',
      });
      expect(response.status).toBe(403);
    });

    it('answers 404 for a recipient no channel takes', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: 'carol',
        headers: { 'Content-Type': 'text/plain' },
        body: 'to nowhere',
      });
      expect(response.status).toBe(404);
    });

    it('explodes a recipient list into one delivery per entry, failing unroutable entries alone', async () => {
      const imdnId = `list-${transport}-${randomBytes(6).toString('hex')}`;
      const list = recipientList(
        [
          ['tel:+15557770001', 'to'],
          ['sip:+15557770002@gw.example.com;user=phone', 'cc'],
          ['mailto:carol@example.com', 'bcc'],
          ['tel:+15557770001', 'cc'],
          ['sip:nobody@elsewhere.example', 'to'],
        ],
        cpim(imdnId, 'hello group'),
      );
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: 'herald',
        headers: { 'Content-Type': list.contentType, Require: 'recipient-list-message' },
        body: list.body,
      });
      expect(response.status).toBe(202);
      const rows = await client.query<{ channel: string; target_uri: string; copy_control: string; state: string; error_code: string | null }>(
        `select d.channel, d.target_uri, d.copy_control, d.state, d.error_code
           from deliveries d join messages m on m.id = d.message_id
          where m.imdn_message_id = $1 order by d.id`,
        [imdnId],
      );
      expect(rows.rows.map((r) => [r.channel, r.target_uri, r.copy_control])).toEqual([
        ['sms', 'tel:+15557770001', 'to'],
        ['sms', 'tel:+15557770002', 'cc'],
        ['email', 'mailto:carol@example.com', 'bcc'],
        ['sip', 'sip:nobody@elsewhere.example', 'to'],
      ]);
      const failed = rows.rows.filter((r) => r.state === 'failed');
      expect(failed.map((r) => [r.target_uri, r.error_code])).toEqual([['sip:nobody@elsewhere.example', 'GW_ERR_ROUTE_UNROUTABLE']]);
    });

    it('refuses a recipient list above the limit with 413 naming it', async () => {
      const entries = Array.from({ length: 21 }, (_, i) => [`tel:+1555888${String(i).padStart(4, '0')}`, 'to'] as const);
      const list = recipientList(entries, cpim(`too-many-${transport}`, 'x'));
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: 'herald',
        headers: { 'Content-Type': list.contentType, Require: 'recipient-list-message' },
        body: list.body,
      });
      expect(response.status).toBe(413);
      expect(response.headers.warning).toContain('max-recipients=20');
    });

    it('answers 420 with Unsupported for an extension it does not know', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport,
        toUser: '+15551234567',
        headers: { 'Content-Type': 'text/plain', Require: 'foo-bar' },
        body: 'requires something',
      });
      expect(response.status).toBe(420);
      expect(response.headers.unsupported).toBe('foo-bar');
    });

    it('answers OPTIONS 200 with Allow, Accept and Accept-Encoding', async () => {
      const run = await runSipp({
        scenario: 'uac-options.xml',
        remote: `127.0.0.1:${gateway.sipPort}`,
        transport,
        vars: { to: `herald@127.0.0.1:${gateway.sipPort}` },
      });
      const result = await run.done;
      expect(result.exitCode).toBe(0);
      expect(result.messages).toMatch(/SIP\/2\.0 200 OK[\s\S]*Allow: MESSAGE, OPTIONS/);
      expect(result.messages).toMatch(/Accept: text\/plain, message\/cpim/);
      expect(result.messages).toMatch(/Accept-Encoding: identity, deflate, gzip/);
    });
  });
});
