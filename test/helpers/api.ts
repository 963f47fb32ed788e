/**
 * An admin API on the real services for one test file: a fresh PostgreSQL database, a
 * BullMQ queue set on the local Redis under a unique prefix, and the gateway's HTTP
 * server with the API registered, driven by fastify's inject (no sockets).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { BullmqJobQueue } from '../../queues/job-queue.js';
import { createRedis } from '../../queues/redis-connection.js';
import { registerBullBoard } from '../../queues/bull-board.js';
import { createApi, protectedScope, type ApiDeps } from '../../src/api/index.js';
import { issueApiToken } from '../../src/api/tokens/issue-token.js';
import { loadConfig, type HeraldConfig } from '../../src/config.js';
import type { ApiRole } from '../../src/domain/api-role.js';
import { JOB_NAMES } from '../../src/domain/jobs.js';
import { createHttpServer, type ReadinessCheck } from '../../src/http/server.js';
import { createLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import { createIngress } from '../../src/ingress/ingress.js';
import { Metrics } from '../../src/metrics.js';
import type { AdminStore } from '../../src/ports/admin-store.port.js';
import type { Ledger } from '../../src/ports/ledger.port.js';
import type { MsrpSessionStore } from '../../src/ports/msrp-session-store.port.js';
import { createTestDatabase } from './postgres.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ApiHarness {
  readonly app: FastifyInstance;
  readonly ledger: Ledger & { readonly admin: AdminStore; readonly msrpSessions: MsrpSessionStore };
  readonly jobs: BullmqJobQueue;
  /** URL of this file's database (for the CLI's config). */
  readonly databaseUrl: string;
  /** A token of each role, made the way `herald token create` makes them. */
  readonly adminToken: string;
  readonly viewerToken: string;
  /** Moves the API's clock (sessions, login rate limit) forward. */
  advance(ms: number): void;
  /** inject with `Authorization: Bearer <token>`. */
  as(token: string, options: InjectOptions): Promise<LightMyRequestResponse>;
  newToken(role: ApiRole, name?: string): Promise<string>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  readonly api?: Partial<HeraldConfig['api']>;
  /** SMPP status for /api/v1/health/components. */
  readonly sms?: ApiDeps['sms'];
  /** What /readyz (and the health view) checks. @defaultValue none */
  readonly checks?: readonly ReadinessCheck[];
  /** Mount Bull Board at /admin/queues behind admin auth, as main.ts does. */
  readonly bullBoard?: boolean;
  /** Wire the real SIP ingress pipeline for POST /api/v1/messages. */
  readonly ingress?: boolean;
}

/** Starts the API for a test file; call `close()` in afterAll. */
export async function startApiHarness(label: string, options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const log = createLogger((process.env.HERALD_TEST_LOG as 'debug' | undefined) ?? 'silent');
  const config = loadConfig({ env: {} });
  const database = await createTestDatabase(label);
  const ledger = await createLedger({ databaseUrl: database.url, dataDir: '/nonexistent-never-used', poolSize: 4 }, log);
  await ledger.migrate();
  const redis: Redis = createRedis(TEST_REDIS_URL);
  const jobs = new BullmqJobQueue(redis, `test-api-${randomBytes(6).toString('hex')}`);
  let offsetMs = 0;
  const metrics = new Metrics({ defaults: false });
  const app = createHttpServer({ log, metrics, checks: options.checks ?? [], isShuttingDown: () => false });
  const ingress = options.ingress === true ? createIngress({ config, ledger, jobs, metrics, log }) : undefined;
  const deps: ApiDeps = {
    ledger,
    admin: ledger.admin,
    jobs,
    queues: jobs,
    settings: { ...config.api, ...options.api },
    log,
    sms: options.sms,
    ingress,
    now: () => new Date(Date.now() + offsetMs),
  };
  await createApi(app, deps);
  if (options.bullBoard === true) await app.register(protectedScope(deps, 'admin', (scope) => registerBullBoard(scope, jobs)));
  await app.ready();

  const newToken = async (role: ApiRole, name = `${role}-${randomBytes(3).toString('hex')}`): Promise<string> => {
    const issued = await issueApiToken(ledger.admin, { name, role, actor: { name: 'cli' } });
    return issued.secret;
  };

  return {
    app,
    ledger,
    jobs,
    databaseUrl: database.url,
    adminToken: await newToken('admin', 'test-admin'),
    viewerToken: await newToken('viewer', 'test-viewer'),
    advance(ms) {
      offsetMs += ms;
    },
    as(token, inject) {
      return app.inject({ ...inject, headers: { ...inject.headers, authorization: `Bearer ${token}` } });
    },
    newToken,
    async close() {
      await app.close();
      for (const name of JOB_NAMES) await jobs.queue(name).obliterate({ force: true });
      await jobs.close();
      redis.disconnect();
      await ledger.close();
      await database.drop();
    },
  };
}
