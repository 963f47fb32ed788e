import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envNameFor, listSettings, loadConfig } from '../../src/config.js';
import { HeraldError } from '../../src/errors.js';

function configError(fn: () => unknown): HeraldError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HeraldError) return err;
    throw err;
  }
  throw new Error('expected a HeraldError');
}

describe('config', () => {
  describe('when nothing is configured', () => {
    it('gives the embedded defaults', () => {
      const config = loadConfig({ env: {} });
      expect(config.databaseUrl).toBeUndefined();
      expect(config.redisUrl).toBeUndefined();
      expect(config.sip.edge).toBe('standalone');
      expect(config.sip.transports).toEqual(['udp', 'tcp']);
      expect(config.http.port).toBe(8080);
    });

    it('is deep-frozen', () => {
      const config = loadConfig({ env: {} });
      expect(Object.isFrozen(config.sip)).toBe(true);
      expect(Object.isFrozen(config.sip.transports)).toBe(true);
    });
  });

  describe('when environment variables are set', () => {
    it('coerces numbers, lists and JSON lists by the setting type', () => {
      const config = loadConfig({
        env: {
          HERALD_SIP_PORT: '5070',
          HERALD_SIP_TRANSPORTS: 'tcp',
          HERALD_ROUTING_EMAIL_DOMAINS: 'example.com, example.org',
          HERALD_SIP_DIGEST_USERS: '[{"username":"a","password":"b"}]',
          DATABASE_URL: 'postgres://u:p@db:5432/herald',
        },
      });
      expect(config.sip.port).toBe(5070);
      expect(config.sip.transports).toEqual(['tcp']);
      expect(config.routing.emailDomains).toEqual(['example.com', 'example.org']);
      expect(config.sip.digestUsers).toEqual([{ username: 'a', password: 'b' }]);
      expect(config.databaseUrl).toBe('postgres://u:p@db:5432/herald');
    });

    it('lets the environment win over the file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
      const file = join(dir, 'herald.yaml');
      writeFileSync(file, 'sip:\n  port: 5080\n  domain: from-file.example\n');
      const config = loadConfig({ env: { HERALD_SIP_PORT: '5090' }, file });
      expect(config.sip.port).toBe(5090);
      expect(config.sip.domain).toBe('from-file.example');
    });
  });

  describe('when a value is bad', () => {
    it('names the environment variable and the path of the setting', () => {
      const err = configError(() => loadConfig({ env: { HERALD_SIP_PORT: '70000' } }));
      expect(err.code).toBe('GW_ERR_CONFIG_INVALID');
      expect(err.meta.problems).toHaveLength(1);
      expect(String((err.meta.problems as string[])[0])).toMatch(/^HERALD_SIP_PORT \(sip\.port\): /);
    });

    it('reports every bad setting at once', () => {
      const err = configError(() =>
        loadConfig({ env: { HERALD_SIP_PORT: 'abc', DATABASE_URL: 'mysql://x', HERALD_SIP_EDGE: 'kamailio' } }),
      );
      const problems = err.meta.problems as string[];
      expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['DATABASE_URL', 'HERALD_SIP_EDGE', 'HERALD_SIP_PORT']);
    });

    it('refuses an unreadable file with its own code', () => {
      const err = configError(() => loadConfig({ env: {}, file: '/nonexistent/herald.yaml' }));
      expect(err.code).toBe('GW_ERR_CONFIG_FILE');
    });

    it('names a misspelt key of the file instead of ignoring it', () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
      const file = join(dir, 'herald.yaml');
      writeFileSync(file, 'sip:\n  prot: 5070\n');
      const err = configError(() => loadConfig({ env: {}, file }));
      expect(err.code).toBe('GW_ERR_CONFIG_INVALID');
      expect(String((err.meta.problems as string[])[0])).toMatch(/^sip: .*prot/);
    });

    it('refuses a file that is not a mapping', () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
      const file = join(dir, 'herald.yaml');
      writeFileSync(file, '- a\n- b\n');
      expect(configError(() => loadConfig({ env: {}, file })).code).toBe('GW_ERR_CONFIG_FILE');
    });
  });

  describe('when reading the example configuration shipped in deploy/', () => {
    it('validates against the schema', () => {
      const config = loadConfig({ env: {}, file: 'deploy/herald.example.yaml' });
      expect(config.sip.edge).toBe('drachtio');
      expect(config.routing.emailDomains).toEqual(['example.com']);
    });
  });

  describe('when listing settings', () => {
    it('gives every leaf an environment variable name, unique across the schema', () => {
      const envs = listSettings().map((s) => s.env);
      expect(new Set(envs).size).toBe(envs.length);
      expect(envs).toContain('DATABASE_URL');
      expect(envs).toContain('REDIS_URL');
      expect(envNameFor(['sip', 'drachtio', 'port'])).toBe('HERALD_SIP_DRACHTIO_PORT');
      expect(envNameFor(['sip', 'maxBodyBytes'])).toBe('HERALD_SIP_MAX_BODY_BYTES');
    });
  });
});
