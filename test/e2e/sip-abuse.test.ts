import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { sippSend } from '../helpers/sipp-send.js';

describe('SIP ingress abuse controls', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      env: {
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_ROUTING_DEFAULT_COUNTRY_CODE: '44',
        HERALD_ABUSE_SENDER_PER_MINUTE: '3',
      },
    });
  });

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
  });

  function send(toUser: string, from = 'alice') {
    return sippSend({
      gatewayPort: gateway.sipPort,
      transport: 'udp',
      toUser,
      headers: { 'Content-Type': 'message/cpim' },
      body: [
        `From: <sip:${from}-${randomBytes(3).toString('hex')}@example.com>`,
        `To: <sip:${toUser}@gw.example.com>`,
        '',
        'Content-Type: text/plain',
        '',
        'win a prize',
      ].join('\r\n'),
    });
  }

  describe('when the destination is premium-rate or a short code', () => {
    it('refuses a premium-rate number with 403', async () => {
      const response = await send('+19005550123');
      expect(response.status).toBe(403);
      expect(response.headers.warning).toContain('GW_ERR_ABUSE_DESTINATION_DENIED');
    });

    it('refuses a short code with 403', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport: 'udp',
        toUser: '84433',
        uriParams: ';user=phone',
        headers: { 'Content-Type': 'text/plain' },
        body: 'STOP',
      });
      expect(response.status).toBe(403);
      expect(response.headers.warning).toContain('short code');
    });
  });

  describe('when one sender sends too fast', () => {
    it('answers 403 with Retry-After past the per-minute limit', async () => {
      const sender = `flooder-${randomBytes(4).toString('hex')}`;
      const body = (i: number): string =>
        [`From: <sip:${sender}@example.com>`, 'To: <sip:+15551234567@gw.example.com>', '', 'Content-Type: text/plain', '', `flood ${i}`].join('\r\n');
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof sippSend>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await sippSend({
          gatewayPort: gateway.sipPort,
          transport: 'udp',
          toUser: '+15551234567',
          headers: { 'Content-Type': 'message/cpim' },
          body: body(i),
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([202, 202, 202, 403]);
      expect(last?.headers['retry-after']).toBe('60');
      expect(last?.headers.warning).toContain('GW_ERR_ABUSE_RATE_LIMITED');
    });
  });
});
