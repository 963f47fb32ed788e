/** GET /api/v1/health/components: the readiness checks and each SMPP connection and bind. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmsGatewayStatus } from '../../../src/ports/sms-gateway.port.js';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

const STATUS: SmsGatewayStatus = {
  configured: true,
  connections: [
    {
      id: 'smsc-a',
      enabled: true,
      state: 'degraded',
      binds: [
        { id: 'smsc-a/1', mode: 'transceiver', state: 'bound', inFlight: 2, since: '2025-01-15T10:00:00.000Z', reconnects: 0 },
        { id: 'smsc-a/2', mode: 'transceiver', state: 'backoff', inFlight: 0, since: '2025-01-15T10:05:00.000Z', reconnects: 3 },
      ],
      window: { inFlight: 2, capacity: 20 },
      throughput: { maxPerSecond: 50, currentPerSecond: 50, submitted: 10, throttled: 0 },
      lastError: { at: '2025-01-15T10:05:00.000Z', code: 'GW_ERR_SMPP_BIND_FAILED', detail: 'ESME_RBINDFAIL', commandStatus: 13 },
    },
  ],
};

describe('admin API health', () => {
  let h: ApiHarness;
  const switched: [string, boolean][] = [];

  beforeAll(async () => {
    h = await startApiHarness('api_health', {
      sms: {
        status: () => STATUS,
        setEnabled: async (id: string, enabled: boolean) => {
          switched.push([id, enabled]);
        },
      },
      checks: [
        { name: 'database', check: async () => undefined },
        { name: 'smpp', check: async () => 'up (smsc-a degraded)' },
        {
          name: 'imap',
          check: async () => {
            throw new Error('login refused');
          },
        },
      ],
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('when a check is down and a bind is backing off', () => {
    it('reports each check and each bind, with the last SMSC error', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/health/components' });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ status: string; checks: unknown[]; smpp: { configured: boolean; connections: Record<string, unknown>[] } }>();
      expect(body.status).toBe('not ready');
      expect(body.checks).toEqual([
        { name: 'database', ok: true, detail: 'up' },
        { name: 'smpp', ok: true, detail: 'up (smsc-a degraded)' },
        { name: 'imap', ok: false, detail: 'down: login refused' },
      ]);
      expect(body.smpp.configured).toBe(true);
      expect(body.smpp.connections[0]).toMatchObject({
        id: 'smsc-a',
        state: 'degraded',
        window: { inFlight: 2, capacity: 20 },
        lastError: { code: 'GW_ERR_SMPP_BIND_FAILED', detail: 'ESME_RBINDFAIL' },
      });
      expect((body.smpp.connections[0]?.binds as { state: string }[]).map((b) => b.state)).toEqual(['bound', 'backoff']);
    });
  });

  describe('when no token is sent', () => {
    it('answers 401', async () => {
      expect((await h.app.inject({ method: 'GET', url: '/api/v1/health/components' })).statusCode).toBe(401);
    });
  });
  describe('when an admin turns an SMSC connection off and on', () => {
    it('switches the connection, answers with it and audits the action', async () => {
      const off = await h.as(h.adminToken, { method: 'POST', url: '/api/v1/smpp/connections/smsc-a/disable' });
      expect(off.statusCode, off.body).toBe(200);
      expect(off.json<{ id: string }>().id).toBe('smsc-a');
      const on = await h.as(h.adminToken, { method: 'POST', url: '/api/v1/smpp/connections/smsc-a/enable' });
      expect(on.statusCode, on.body).toBe(200);
      expect(switched).toEqual([
        ['smsc-a', false],
        ['smsc-a', true],
      ]);
      const audit = await h.as(h.adminToken, { method: 'GET', url: '/api/v1/audit' });
      const actions = audit.json<{ items: { action: string; target: string }[] }>().items.map((e) => `${e.action} ${e.target}`);
      expect(actions).toEqual(expect.arrayContaining(['smpp.disable smsc-a', 'smpp.enable smsc-a']));
    });

    it('refuses a viewer with 403 and an unknown connection with 404', async () => {
      const viewer = await h.as(h.viewerToken, { method: 'POST', url: '/api/v1/smpp/connections/smsc-a/disable' });
      expect(viewer.statusCode).toBe(403);
      const unknown = await h.as(h.adminToken, { method: 'POST', url: '/api/v1/smpp/connections/nope/disable' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json<{ code: string }>().code).toBe('GW_ERR_API_NOT_FOUND');
    });
  });
});
