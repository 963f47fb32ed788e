/**
 * Threat: NUL bytes and invalid UTF-8 in stored SIP headers, which PostgreSQL refuses;
 * its error text must never reach the peer (issue 15, finding 7).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { sendUdp, type RawResponse } from '../helpers/raw-sip.js';

describe('SIP headers with NUL bytes or invalid UTF-8', () => {
  let gateway: GatewayProcess;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_sip_nul');
    gateway = await startGatewayProcess({ env: { DATABASE_URL: db.url, HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}` } });
  });

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await db?.drop();
  });

  /** A MESSAGE whose header block has `raw` spliced in (bytes as given). */
  function send(from: Buffer, callId: Buffer): Promise<RawResponse> {
    return sendUdp(gateway.sipPort, (localPort) => {
      const uri = `sip:+15551234567@127.0.0.1:${gateway.sipPort}`;
      const text = (s: string): Buffer => Buffer.from(s, 'latin1');
      return Buffer.concat([
        text(`MESSAGE ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK${randomBytes(6).toString('hex')};rport\r\n`),
        text('From: '), from, text(`;tag=${randomBytes(4).toString('hex')}\r\n`),
        text(`To: <${uri}>\r\nCall-ID: `), callId, text('\r\n'),
        text('CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello'),
      ]);
    });
  }

  const ok = (s: string): Buffer => Buffer.from(s, 'latin1');
  const callId = (): Buffer => ok(`${randomBytes(6).toString('hex')}@127.0.0.1`);

  it.each([
    ['a NUL in the From display name', Buffer.concat([ok('"Al'), Buffer.from([0]), ok('ice" <sip:alice@example.com>')]), callId()],
    ['a NUL in the Call-ID', ok('<sip:alice@example.com>'), Buffer.concat([ok('abc'), Buffer.from([0]), ok('def@127.0.0.1')])],
    ['invalid UTF-8 in the From display name', Buffer.concat([ok('"Al'), Buffer.from([0xc3, 0x28]), ok('ice" <sip:alice@example.com>')]), callId()],
  ])('should answer %s with 400 naming the fault, never a 500 or database text', async (_name, from, id) => {
    const response = await send(from, id);
    expect(response.status).toBe(400);
    const warning = (response.headers.warning ?? []).join(', ');
    expect(`${response.reason} ${warning}`).toMatch(/NUL|UTF-8|invalid|control character/i);
    expect(warning).not.toMatch(/byte sequence|SQL|postgres|22021|encoding "UTF8"/i);
    const health = await fetch(`${gateway.httpUrl}/healthz`);
    expect(health.ok).toBe(true);
  });
});
