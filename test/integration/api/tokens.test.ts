/** API tokens: created by an admin or by `herald token create`, listed, revoked, audited. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTokenCommand } from '../../../src/api/tokens/token-command.js';
import { loadConfig } from '../../../src/config.js';
import { isHeraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

interface TokenJson {
  id: string;
  name: string;
  role: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

describe('admin API tokens', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_tokens');
  });

  afterAll(async () => {
    await h?.close();
  });

  async function create(name: string, role: 'viewer' | 'admin'): Promise<{ token: TokenJson; secret: string }> {
    const res = await h.as(h.adminToken, { method: 'POST', url: '/api/v1/tokens', payload: { name, role } });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  describe('when an admin creates a token', () => {
    it('answers the secret once, and the secret works with its role', async () => {
      const { token, secret } = await create('grafana', 'viewer');
      expect(secret).toMatch(/^hrld_[A-Za-z0-9_-]{43}$/);
      expect(token).toMatchObject({ name: 'grafana', role: 'viewer', createdBy: 'test-admin', revokedAt: null });

      const me = await h.as(secret, { method: 'GET', url: '/api/v1/session' });
      expect(me.json()).toMatchObject({ name: 'grafana', role: 'viewer', via: 'bearer' });
      expect((await h.as(secret, { method: 'GET', url: '/api/v1/tokens' })).statusCode).toBe(403);
    });

    it('lists it without the secret or its hash', async () => {
      const { token, secret } = await create('listed', 'admin');
      const res = await h.as(h.adminToken, { method: 'GET', url: '/api/v1/tokens' });
      expect(res.statusCode).toBe(200);
      const items = res.json<{ items: TokenJson[] }>().items;
      expect(items.find((t) => t.id === token.id)).toEqual(token);
      expect(res.body).not.toContain(secret);
      expect(Object.keys(items[0] ?? {}).sort()).toEqual(['createdAt', 'createdBy', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role']);
    });

    it('records token.create in the audit log with who did it', async () => {
      const { token } = await create('audited', 'viewer');
      const audit = await h.as(h.adminToken, { method: 'GET', url: '/api/v1/audit?limit=10' });
      expect(audit.json().items).toContainEqual(
        expect.objectContaining({ action: 'token.create', target: token.id, actorName: 'test-admin', detail: expect.objectContaining({ role: 'viewer' }) }),
      );
    });
  });

  describe('when an admin revokes a token', () => {
    it('marks it revoked, keeps the first revocation time, and audits it', async () => {
      const { token, secret } = await create('short-lived', 'viewer');
      const first = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/tokens/${token.id}/revoke` });
      expect(first.statusCode).toBe(200);
      expect(first.json().revokedAt).toEqual(expect.any(String));
      const second = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/tokens/${token.id}/revoke` });
      expect(second.json().revokedAt).toBe(first.json().revokedAt);
      expect((await h.as(secret, { method: 'GET', url: '/api/v1/session' })).statusCode).toBe(401);

      const audit = await h.as(h.adminToken, { method: 'GET', url: '/api/v1/audit?limit=10' });
      expect(audit.json().items).toContainEqual(expect.objectContaining({ action: 'token.revoke', target: token.id }));
    });

    it('answers 404 for an unknown token', async () => {
      const res = await h.as(h.adminToken, { method: 'POST', url: '/api/v1/tokens/no-such-token/revoke' });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('GW_ERR_API_NOT_FOUND');
    });
  });

  describe('when the audit log is paged', () => {
    it('walks it newest first with a cursor', async () => {
      for (let i = 0; i < 3; i++) await create(`page-${i}`, 'viewer');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/audit?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page = (await h.as(h.adminToken, { method: 'GET', url })).json<{ items: { id: string }[]; nextCursor: string | null }>();
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      const numeric = seen.map(Number);
      expect(numeric).toEqual([...numeric].sort((a, b) => b - a));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBeGreaterThanOrEqual(3);
    });
  });

  describe('when `herald token create` runs', () => {
    const log = createLogger('silent');

    it('prints a working token once and audits it as the CLI', async () => {
      const config = loadConfig({ env: { DATABASE_URL: h.databaseUrl } });
      const stdout: string[] = [];
      const stderr: string[] = [];
      await runTokenCommand({ words: ['create'], flags: { name: 'ops-laptop', role: 'admin' } }, config, log, {
        stdout: (line) => stdout.push(line),
        stderr: (line) => stderr.push(line),
      });
      expect(stdout).toHaveLength(1);
      const secret = stdout[0] ?? '';
      expect(secret).toMatch(/^hrld_/);
      expect(stderr.join('\n')).not.toContain(secret);

      const me = await h.as(secret, { method: 'GET', url: '/api/v1/session' });
      expect(me.json()).toMatchObject({ name: 'ops-laptop', role: 'admin' });
      const audit = await h.as(h.adminToken, { method: 'GET', url: '/api/v1/audit?limit=10' });
      expect(audit.json().items).toContainEqual(expect.objectContaining({ action: 'token.create', actorName: 'cli', actorTokenId: null }));
    });

    it.each([
      [{ words: ['create'], flags: { name: 'x', role: 'root' } }],
      [{ words: ['create'], flags: { role: 'admin' } }],
      [{ words: ['delete'], flags: { name: 'x', role: 'admin' } }],
    ])('refuses bad arguments with GW_ERR_CONFIG_INVALID (%j)', async (args) => {
      const config = loadConfig({ env: { DATABASE_URL: h.databaseUrl } });
      const outcome = await runTokenCommand(args, config, log, { stdout: () => undefined, stderr: () => undefined }).then(
        () => 'resolved',
        (err: unknown) => (isHeraldError(err) ? err.code : String(err)),
      );
      expect(outcome).toBe('GW_ERR_CONFIG_INVALID');
    });
  });
});
