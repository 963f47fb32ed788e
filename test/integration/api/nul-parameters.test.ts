/** Threat: NUL bytes in filters, ids and bodies reach PostgreSQL and come back as a 500. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

describe('admin API parameters with NUL bytes', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_nul');
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('when a filter, an id or a body string holds %00', () => {
    it.each([
      ['GET', '/api/v1/messages?sender=al%00ice', 'querystring.sender'],
      ['GET', '/api/v1/messages?q=x%00y', 'querystring.q'],
      ['GET', '/api/v1/messages/abc%00def', 'params.id'],
      ['GET', '/api/v1/directory/sip%3Aal%00ice%40example.com', 'params.imUri'],
      ['POST', '/api/v1/deliveries/abc%00/retry', 'params.id'],
    ] as const)('should answer %s %s with a problem+json 400', async (method, url, field) => {
      const res = await h.as(h.adminToken, { method, url });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json<{ code: string; errors?: { field: string }[] }>();
      expect(problem.code).toBe('GW_ERR_API_VALIDATION');
      expect(problem.errors?.[0]?.field).toBe(field);
    });

    it('should answer a JSON body string with NUL with a problem+json 400', async () => {
      const res = await h.as(h.adminToken, {
        method: 'PUT',
        url: '/api/v1/directory/sip%3Abob%40example.com',
        payload: { msisdn: '+15551230000', displayName: 'Bo\u0000b' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ code: string }>().code).toBe('GW_ERR_API_VALIDATION');
    });
  });
});
