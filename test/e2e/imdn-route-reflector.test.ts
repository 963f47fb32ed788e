/**
 * Threat: imdn.IMDN-Record-Route aiming Herald's IMDNs (retried for an hour) at internal
 * hosts: a reflector (issue 15, finding 8). The stored route is what IMDNs follow.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { sendMessage } from '../helpers/raw-sip.js';

describe('imdn.IMDN-Record-Route towards disallowed hosts', () => {
  let gateway: GatewayProcess;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_imdn_reflector');
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_IMDN_ROUTE_ALLOW: 'relay.example.net',
      },
    });
  });

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await db?.drop();
  });

  async function storedRoute(imdnMessageId: string): Promise<string[] | undefined> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const result = await client.query<{ imdn_route: string[] }>('select imdn_route from messages where imdn_message_id = $1', [imdnMessageId]);
      return result.rows[0]?.imdn_route;
    } finally {
      await client.end();
    }
  }

  async function send(route: string): Promise<{ status: number; id: string }> {
    const id = randomBytes(6).toString('hex');
    const body = [
      'From: <sip:alice@example.com>',
      'To: <sip:+15551234567@gw.example.com>',
      'NS: imdn <urn:ietf:params:imdn>',
      `imdn.Message-ID: ${id}`,
      'imdn.Disposition-Notification: positive-delivery, negative-delivery',
      `imdn.IMDN-Record-Route: <${route}>`,
      '',
      'Content-Type: text/plain',
      '',
      'hello',
    ].join('\r\n');
    const response = await sendMessage(gateway.sipPort, {
      requestUri: `sip:+15551234567@127.0.0.1:${gateway.sipPort}`,
      from: '<sip:alice@example.com>',
      contentType: 'message/cpim',
      body,
    });
    return { status: response.status, id };
  }

  describe('when the route names an internal host', () => {
    it('should accept the message but not follow the route, and log it', async () => {
      const { status, id } = await send('sip:10.0.0.5:6379;lr');
      expect(status).toBe(202);
      expect(await storedRoute(id)).toEqual([]);
      expect(gateway.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('IMDN-Record-Route') && JSON.stringify(l.dropped).includes('10.0.0.5'))).toBe(true);
    });
  });

  describe("when the route is in the sender's domain or imdn.routeAllow", () => {
    it.each(['sip:im.example.com;lr', 'sip:relay.example.net;lr'])('should follow %s', async (route) => {
      const { status, id } = await send(route);
      expect(status).toBe(202);
      expect(await storedRoute(id)).toEqual([route]);
    });
  });
});
