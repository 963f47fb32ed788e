/**
 * The system under test: the real gateway process (`node dist/src/cli.js start`) on a
 * fresh PostgreSQL database and the shared Redis under a unique queue prefix, bound to
 * the SMSC simulator. Its log goes straight to a file (the bench process never reads it
 * while running, so logging costs the gateway, not the load generator).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { findFreeSipPort } from '../../adapters/sip/standalone/free-port.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface StackOptions {
  readonly label: string;
  readonly smscPort: number;
  /** Gateway log file (JSON lines). */
  readonly logFile: string;
  /** Write a V8 CPU profile of the gateway into this folder (at its exit). */
  readonly cpuProfDir?: string | undefined;
  /** @defaultValue 'info' (the gateway's normal level) */
  readonly logLevel?: string;
  /** Extra HERALD_* settings. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The SMPP connection the bench configures: a carrier-like bind set, no throughput cap to speak of. */
export const BENCH_SMPP_CONNECTION = {
  id: 'bench',
  host: '127.0.0.1',
  systemId: 'herald',
  password: 'secret',
  binds: 2,
  windowSize: 50,
  maxPerSecond: 50_000,
} as const;

export interface GatewayStack {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly sipPort: number;
  readonly httpUrl: string;
  readonly db: TestDatabase;
  readonly prefix: string;
  readonly redis: Redis;
  /** SIGTERM, wait for exit (SIGKILL after 30 s), drop the database and the queue keys. */
  stop(): Promise<number | string>;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}) before ${what}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`gateway: no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startGatewayStack(options: StackOptions): Promise<GatewayStack> {
  const db = await createTestDatabase(`bench_${options.label}`);
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
  const sipPort = await findFreeSipPort('127.0.0.1');
  const httpPort = await findFreeSipPort('127.0.0.1');
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const logFd = openSync(options.logFile, 'w');
  const nodeFlags: string[] = [];
  if (options.cpuProfDir !== undefined) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const child = spawn(process.execPath, [...nodeFlags, 'dist/src/cli.js', 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      HERALD_DATA_DIR: dataDir,
      HERALD_SIP_PORT: String(sipPort),
      HERALD_HTTP_PORT: String(httpPort),
      HERALD_LOG_LEVEL: options.logLevel ?? 'info',
      DATABASE_URL: db.url,
      REDIS_URL,
      HERALD_QUEUES_PREFIX: prefix,
      HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
      HERALD_SMPP_CONNECTIONS: JSON.stringify([{ ...BENCH_SMPP_CONNECTION, port: options.smscPort }]),
      ...options.env,
    },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const commandsAtStart = await redisCommandStats(redis);
  const cleanup = async (): Promise<void> => {
    // Where the rows and commands went, for the per-message budget (README Performance).
    await writeWorkBreakdown(`${options.logFile.replace(/\.gateway\.log$/, '')}.work.json`, db, redis, commandsAtStart).catch(() => undefined);
    await db.drop().catch(() => undefined);
    await deleteKeys(redis, prefix).catch(() => undefined);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(async () => (await fetch(`${httpUrl}/healthz`)).ok, 60_000, 'healthz', child);
    // Ready means the SMPP binds are up too: the first messages must not wait for them.
    await waitUntil(async () => (await fetch(`${httpUrl}/readyz`)).ok, 30_000, 'readyz (SMPP bound)', child);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await cleanup();
    throw err;
  }
  return {
    child,
    pid: child.pid ?? 0,
    sipPort,
    httpUrl,
    db,
    prefix,
    redis,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(killer);
      await cleanup();
      return code;
    },
  };
}

/** Deletes the run's queue keys from the shared Redis. */
async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** Redis commands by name so far (INFO commandstats): the server may be shared, so only differences mean anything. */
async function redisCommandStats(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const out: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[match[1] ?? ''] = Number(match[2]);
  return out;
}

/** Rows written per table (inserts, updates, HOT updates) and Redis commands by name over the run. */
async function writeWorkBreakdown(file: string, db: TestDatabase, redis: Redis, commandsAtStart: Record<string, number>): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const tables = await client.query<{ relname: string; ins: string; upd: string; hot: string; del: string }>(
      `select relname, n_tup_ins::text as ins, n_tup_upd::text as upd, n_tup_hot_upd::text as hot, n_tup_del::text as del
         from pg_stat_user_tables where n_tup_ins + n_tup_upd + n_tup_del > 0 order by relname`,
    );
    const now = await redisCommandStats(redis);
    const commands = Object.fromEntries(
      Object.entries(now)
        .map(([name, calls]): [string, number] => [name, calls - (commandsAtStart[name] ?? 0)])
        .filter(([, calls]) => calls > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    writeFileSync(file, `${JSON.stringify({ tables: tables.rows, redisCommands: commands }, null, 2)}\n`);
  } finally {
    await client.end();
  }
}
