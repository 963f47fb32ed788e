/**
 * The admin API in the real process: `herald token create` makes a token on the
 * database the gateway then serves the API from.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const run = promisify(execFile);

describe('herald admin API', () => {
  let db: TestDatabase;
  let gateway: GatewayProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_admin_api');
  });

  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  describe('when an operator creates a token with the CLI', () => {
    it('prints only the token on stdout, and the running gateway accepts it', async () => {
      const env = { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, HERALD_LOG_LEVEL: 'info' };
      const { stdout, stderr } = await run(process.execPath, ['dist/src/cli.js', 'token', 'create', '--name', 'e2e', '--role', 'viewer'], { env });
      const token = stdout.trim();
      expect(token).toMatch(/^hrld_[A-Za-z0-9_-]{43}$/);
      expect(stderr).toContain('viewer token "e2e"');

      gateway = await startGatewayProcess({ env: { DATABASE_URL: db.url } });
      const refused = await fetch(`${gateway.httpUrl}/api/v1/messages`);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe('GW_ERR_API_UNAUTHENTICATED');

      const me = await fetch(`${gateway.httpUrl}/api/v1/session`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ name: 'e2e', role: 'viewer', via: 'bearer' });
    });
  });
});
