import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStandaloneEdge } from '../../adapters/sip/index.js';
import { BullmqJobQueue } from '../../queues/job-queue.js';
import { createRedis } from '../../queues/redis-connection.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { SipEdge } from '../../src/ports/sip-edge.port.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { jobOfDelivery } from '../helpers/delivery-job.js';

function herald(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/src/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('herald process', () => {
  describe('when started with no configuration', () => {
    it('serves /healthz, /readyz and /metrics on the embedded defaults', async () => {
      const gateway = await startGatewayProcess();
      try {
        expect((await fetch(`${gateway.httpUrl}/healthz`)).status).toBe(200);
        const ready = await fetch(`${gateway.httpUrl}/readyz`);
        const body = (await ready.json()) as { checks: Record<string, string> };
        expect(ready.status).toBe(200);
        expect(body.checks).toMatchObject({ database: 'up', redis: 'up', sip: 'up', smpp: 'none configured' });
        const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
        expect(metrics).toContain('herald_sip_requests_total');
      } finally {
        expect(await gateway.stop('SIGTERM')).toBe(0);
      }
    });
  });

  describe('when the database cannot be reached', () => {
    it('exits non-zero with one line naming DATABASE_URL', () => {
      const run = herald(['start'], { DATABASE_URL: 'postgres://nope', HERALD_HTTP_PORT: '0' });
      expect(run.status).not.toBe(0);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^herald: .*DATABASE_URL/);
    });
  });

  describe('when a setting is bad', () => {
    it('exits 1 before starting anything, with one line naming the setting', () => {
      const run = herald(['start'], { HERALD_SIP_PORT: '70000' });
      expect(run.status).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^herald: .*HERALD_SIP_PORT \(sip\.port\)/);
    });

    it('exits 2 with the usage on an unknown command', () => {
      const run = herald(['frobnicate'], {});
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('usage: herald');
    });
  });

  describe('when asked to check the configuration', () => {
    it('prints it with secrets masked', () => {
      const run = herald(['check-config'], {
        DATABASE_URL: 'postgres://herald:hunter2@db.example:5432/herald',
        HERALD_SIP_DRACHTIO_SECRET: 'topsecret',
      });
      expect(run.status).toBe(0);
      expect(run.stdout).not.toContain('hunter2');
      expect(run.stdout).not.toContain('topsecret');
      expect(JSON.parse(run.stdout)).toMatchObject({ sip: { edge: 'standalone' } });
    });
  });

  describe('with PostgreSQL', () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase('e2e_process');
    });

    afterAll(async () => {
      await db?.drop();
    });

    it('migrates with `herald migrate` and again at start, idempotently', async () => {
      expect(herald(['migrate'], { DATABASE_URL: db.url }).status).toBe(0);
      expect(herald(['migrate'], { DATABASE_URL: db.url }).status).toBe(0);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const tables = await client.query<{ table_name: string }>(
          "select table_name from information_schema.tables where table_schema = 'public'",
        );
        const names = tables.rows.map((r) => r.table_name);
        for (const table of ['messages', 'deliveries', 'segments', 'correlations', 'events', 'directory']) {
          expect(names).toContain(table);
        }
      } finally {
        await client.end();
      }
    });

    it('on SIGTERM during work, exits 0 and loses nothing it acknowledged', async () => {
      const prefix = `e2e-${randomBytes(4).toString('hex')}`;
      const gateway = await startGatewayProcess({ env: { DATABASE_URL: db.url, HERALD_QUEUES_PREFIX: prefix } });
      const uac: SipEdge = createStandaloneEdge(loadConfig({ env: { HERALD_SIP_PORT: '0', HERALD_SIP_SEND_TIMEOUT_MS: '3000' } }).sip, createLogger('silent'));
      await uac.start(async () => ({ status: 405, reason: 'Not here' }));
      const accepted: string[] = [];
      let refusedOrLost = 0;
      let attempted = 0;
      try {
        // Up to 20 MESSAGEs in flight; SIGTERM once 40 are acknowledged, and keep sending
        // while the gateway drains, so some arrive during shutdown.
        const sends = new Set<Promise<void>>();
        let stopping = false;
        for (let i = 0; i < 300; i++) {
          // Once the process is gone, nothing more can be acknowledged.
          if (gateway.child.exitCode !== null) break;
          attempted += 1;
          const text = `shutdown test ${prefix} ${i}`;
          const number = `+1555000${String(i).padStart(4, '0')}`;
          const send = uac
            .send({
              requestUri: `sip:${number}@127.0.0.1:${gateway.sipPort}`,
              from: { uri: 'sip:alice@127.0.0.1' },
              to: { uri: `sip:${number}@127.0.0.1` },
              contentType: 'text/plain',
              body: text,
            })
            .then((response) => {
              if (response.status === 202) accepted.push(text);
              else refusedOrLost += 1;
            })
            .catch(() => {
              refusedOrLost += 1;
            })
            .finally(() => sends.delete(send));
          sends.add(send);
          if (sends.size >= 20) await Promise.race(sends);
          if (!stopping && accepted.length >= 40) {
            stopping = true;
            void gateway.stop('SIGTERM');
          }
        }
        await Promise.all(sends);
        expect(stopping).toBe(true);
        expect(await gateway.exited).toBe(0);
      } finally {
        await uac.stop();
        await gateway.stop('SIGKILL');
      }
      expect(accepted.length).toBeGreaterThanOrEqual(40);
      expect(accepted.length + refusedOrLost).toBe(attempted);

      // Every acknowledged MESSAGE is in the ledger with its job queued in Redis.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const redis = createRedis('redis://127.0.0.1:6379');
      const jobs = new BullmqJobQueue(redis, prefix);
      try {
        const rows = await client.query<{ body: Buffer; delivery_id: string; job_id: string | null; state: string }>(
          'select m.body, d.id as delivery_id, d.job_id, d.state from messages m join deliveries d on d.message_id = m.id',
        );
        const stored = new Map(rows.rows.map((r) => [r.body.toString('utf8'), r]));
        for (const text of accepted) {
          const row = stored.get(text);
          expect(row, text).toBeDefined();
          if (row === undefined) continue;
          // Until a worker takes it, an accepted delivery must have its job in Redis: the
          // job shared by its ingress flush (deliveries.job_id) when it has one.
          if (row.state === 'accepted') expect(await jobOfDelivery(jobs, 'sms-submit', { id: row.delivery_id, jobId: row.job_id }), text).toBeDefined();
        }
      } finally {
        await client.end();
        await jobs.queue('sms-submit').obliterate({ force: true });
        await jobs.close();
        redis.disconnect();
      }
    });
  });
});
