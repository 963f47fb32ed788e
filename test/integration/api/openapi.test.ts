/** The OpenAPI document is valid OpenAPI 3, covers every route, and the docs UI is served. */
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

interface Operation {
  security?: unknown[];
  responses: Record<string, unknown>;
}

type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const ROUTES = [
  'post /api/v1/session',
  'get /api/v1/session',
  'delete /api/v1/session',
  'get /api/v1/messages',
  'post /api/v1/messages',
  'get /api/v1/messages/{id}',
  'post /api/v1/deliveries/{id}/retry',
  'post /api/v1/deliveries/{id}/cancel',
  'get /api/v1/queues',
  'get /api/v1/queues/{name}/failed',
  'get /api/v1/directory',
  'get /api/v1/directory/{imUri}',
  'put /api/v1/directory/{imUri}',
  'delete /api/v1/directory/{imUri}',
  'post /api/v1/directory/import',
  'get /api/v1/directory/export',
  'post /api/v1/tokens',
  'get /api/v1/tokens',
  'post /api/v1/tokens/{id}/revoke',
  'get /api/v1/audit',
  'get /api/v1/stats/throughput',
  'get /api/v1/health/components',
  'post /api/v1/smpp/connections/{id}/{action}',
];

describe('admin API OpenAPI document', () => {
  let h: ApiHarness;
  let doc: Document;

  beforeAll(async () => {
    h = await startApiHarness('api_openapi');
    const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<Document>();
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('when validated', () => {
    it('is valid OpenAPI 3', async () => {
      expect(doc.openapi).toMatch(/^3\./);
      await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    });
  });

  describe('when read', () => {
    it('describes every route of the API and nothing else', () => {
      const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
      expect(operations.sort()).toEqual([...ROUTES].sort());
    });

    it('documents the problem responses of every protected route, and marks the login public', () => {
      for (const route of ROUTES) {
        const [method = '', path = ''] = route.split(' ');
        const operation = doc.paths[path]?.[method];
        if (route === 'post /api/v1/session') {
          expect(operation?.security).toEqual([]);
          continue;
        }
        expect(Object.keys(operation?.responses ?? {}), route).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'Delivery', 'MessageSummary', 'MessageDetail', 'DirectoryEntry', 'ApiToken']));
    });

    it('is the same document the docs UI reads', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/docs/json' });
      expect(res.json()).toEqual(doc);
    });
  });

  describe('when the docs UI is opened', () => {
    it('serves the page and its assets to a signed-in viewer', async () => {
      const page = await h.as(h.viewerToken, { method: 'GET', url: '/api/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('/api/docs/static/swagger-ui.css');
      const css = await h.as(h.viewerToken, { method: 'GET', url: '/api/docs/static/swagger-ui.css' });
      expect(css.statusCode).toBe(200);
    });
  });
});
