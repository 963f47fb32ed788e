/**
 * Opens the Kysely instance of either backend and proves it answers. Connection failures
 * surface here as one GW_ERR_DB_UNREACHABLE line naming the setting to fix.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { heraldError, isHeraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import { maskUrl } from '../logger.js';
import type { LedgerBackend } from '../ports/ledger.port.js';
import { oneLineReason, withPoolWait } from './db-errors.js';
import { Mutex, PGliteDialect } from './pglite-dialect.js';
import { PGliteThread } from './pglite-thread.js';
import type { LedgerDatabase } from './schema.js';
import { lockFolder, type FolderLock } from './folder-lock.js';
import type { StatementRunner } from './writer.js';

/** Where the ledger lives. */
export interface LedgerConnectOptions {
  /** PostgreSQL URL; unset selects the embedded PGlite ledger under `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /** Folder for embedded state; the PGlite ledger lives in `<dataDir>/ledger`. */
  readonly dataDir: string;
  /** PostgreSQL pool size (ignored by PGlite, which is one connection). */
  readonly poolSize: number;
  /**
   * How long opening a PostgreSQL connection may take before it counts as unreachable.
   * @defaultValue 5000
   */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * What this process runs, written in the PGlite folder's lock for whoever is refused.
   * @defaultValue 'herald'
   */
  readonly owner?: string | undefined;
}

/** An open, answering database. */
export interface LedgerConnection {
  readonly db: Kysely<LedgerDatabase>;
  readonly backend: LedgerBackend;
  /** Where it is, safe for logs and error lines (password masked). */
  readonly location: string;
  /**
   * Runs the writer's fixed statements as named prepared statements (parsed and planned
   * once per connection): on PostgreSQL through the pool, on PGlite on its thread, inside
   * `acquire` (the dialect's lock, which keeps a statement out of another caller's transaction).
   */
  readonly run: StatementRunner;
  /**
   * The one connection's lock, when there is one connection (PGlite): the writer takes it
   * before taking a batch and `run` then runs inside it (see group-commit.ts).
   */
  readonly acquire?: (() => Promise<() => void>) | undefined;
}

/** The folder PGlite keeps the ledger in. */
export function pgliteDirectory(dataDir: string): string {
  return path.resolve(dataDir, 'ledger');
}

/**
 * Connects to the configured backend and runs `select 1`.
 * @throws GW_ERR_DB_UNREACHABLE whose detail starts with `DATABASE_URL` (PostgreSQL) or
 *   `dataDir` (PGlite), then the masked location and the reason, on one line.
 */
export async function connectLedger(options: LedgerConnectOptions, log: Logger): Promise<LedgerConnection> {
  const connection = options.databaseUrl !== undefined ? openPostgres(options, options.databaseUrl, log) : await openPglite(options);
  try {
    await sql`select 1`.execute(connection.db);
  } catch (err) {
    await connection.db.destroy().catch(() => undefined);
    throw unreachable(connection.backend, connection.location, err);
  }
  log.info({ backend: connection.backend, location: connection.location }, 'ledger connected');
  return connection;
}

function unreachable(backend: LedgerBackend, location: string, err: unknown): Error {
  const setting = backend === 'postgres' ? 'DATABASE_URL' : 'dataDir';
  // The reason comes from the driver; it should not echo the URL, but if it does, mask it.
  const reason = oneLineReason(err).replaceAll(/\/\/[^\s@/]*:[^\s@/]*@/g, '//***@');
  return heraldError('GW_ERR_DB_UNREACHABLE', `${setting} (${location}): ${reason}`, { cause: err, meta: { backend } });
}

function openPostgres(options: LedgerConnectOptions, url: string, log: Logger): LedgerConnection {
  const location = maskUrl(url);
  const waitMs = options.connectTimeoutMs ?? 5_000;
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize,
      // Without it pg waits on the OS TCP timeout (minutes) for a host that drops SYNs. The
      // same bound applies to waiting for a free client when all `max` are in use.
      connectionTimeoutMillis: waitMs,
      idleTimeoutMillis: 30_000,
      // A half-open connection (the server's host gone without a FIN) would otherwise hold
      // its query, and with the group commit every later write of that kind, for the OS's
      // two-hour keepalive default.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'herald',
    });
  } catch (err) {
    throw unreachable('postgres', location, err);
  }
  // An idle client losing its server emits here; unhandled, it would crash the process.
  // The pool drops the client, and the next query reports the outage to its caller.
  pool.on('error', (err) => log.warn({ err: oneLineReason(err), location }, 'ledger connection lost'));
  // The pool listens only to idle clients. A client checked out (between the statements of
  // a transaction, say) when the server goes away emits 'error' with no one listening, and
  // that kills the process (a PostgreSQL restart under load did). Listening here keeps the
  // process up; the client's next query fails, and the pool drops it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err: oneLineReason(err), location }, 'ledger connection lost while in use'));
  });
  // Failures carry the pool's wait, so a pool that had no client free is reported with it
  // (GW_ERR_DB_BUSY, decided in db-errors.ts) rather than as an unreachable database.
  const annotate = (err: unknown): never => {
    throw withPoolWait(err, waitMs);
  };
  const run: StatementRunner = async <R>(name: string, text: string, parameters: readonly unknown[]) =>
    (await pool.query({ name, text, values: [...parameters] }).catch(annotate)).rows as R[];
  const dialectPool = { connect: () => pool.connect().catch(annotate), end: () => pool.end() };
  return { db: new Kysely<LedgerDatabase>({ dialect: new PostgresDialect({ pool: dialectPool }) }), backend: 'postgres', location, run };
}

async function openPglite(options: LedgerConnectOptions): Promise<LedgerConnection> {
  const location = pgliteDirectory(options.dataDir);
  let pglite: PGliteThread;
  let lock: FolderLock | undefined;
  try {
    await mkdir(location, { recursive: true });
    // Before PGlite opens anything: a second process in the folder corrupts it.
    lock = await lockFolder(location, options.owner ?? 'herald');
    pglite = await PGliteThread.open(location);
  } catch (err) {
    await lock?.release();
    if (isHeraldError(err, 'GW_ERR_DB_UNREACHABLE')) throw err;
    throw unreachable('pglite', location, err);
  }
  const held = lock;
  const thread = pglite;
  // One gate for Kysely's connection and the writer's statements: a statement must not
  // land inside someone's open transaction (see pglite-dialect.ts).
  const gate = new Mutex();
  const db = new Kysely<LedgerDatabase>({ dialect: new PGliteDialect(thread, () => held.release(), gate) });
  const run: StatementRunner = async <R>(name: string, text: string, parameters: readonly unknown[]) => (await thread.run<R>(name, text, parameters)).rows;
  return { db, backend: 'pglite', location, run, acquire: () => gate.lock() };
}
