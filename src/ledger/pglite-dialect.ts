/**
 * A Kysely dialect over PGlite (embedded PostgreSQL in WebAssembly), so the embedded
 * ledger runs the very same queries as the PostgreSQL one.
 *
 * PGlite is a single backend: there is one connection, and a transaction owns it from
 * BEGIN to COMMIT. PGlite's own lock only serialises single queries, so without a lock
 * of our own a query from another caller would land inside someone else's transaction.
 * The driver therefore hands the one connection out under a mutex: a second caller
 * waits in acquireConnection until the first releases it. Corollary: code holding a
 * transaction must use that transaction object only, never the outer Kysely instance,
 * or it waits for itself.
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { heraldError } from '../errors.js';
import type { EmbeddedPostgres } from './pglite-thread.js';

/** FIFO mutex: each waiter gets the lock in the order it asked. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with the function that releases the lock, once the caller holds it. */
  async lock(): Promise<() => void> {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => held);
    await previous;
    return release;
  }
}

const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: EmbeddedPostgres;

  constructor(pglite: EmbeddedPostgres) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#pglite.query<R>(compiledQuery.sql, compiledQuery.parameters);
    const command = result.command?.toUpperCase();
    // Kysely's commit check (like its pg driver) looks for a ROLLBACK tag on COMMIT.
    if (command === 'COMMIT' || command === 'ROLLBACK') return { rows: [{ command } as R] };
    return {
      rows: result.rows,
      numAffectedRows:
        command !== undefined && WRITE_COMMANDS.has(command)
          ? BigInt(result.rowCount ?? result.affectedRows ?? 0)
          : undefined,
    };
  }

  // PGlite has no cursors across the wasm boundary: the whole result is in memory
  // anyway, so streaming just slices it.
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: EmbeddedPostgres;
  readonly #connection: PGliteConnection;
  readonly #mutex: Mutex;
  readonly #afterClose: () => Promise<void>;
  #release: (() => void) | undefined;
  #closed = false;

  constructor(pglite: EmbeddedPostgres, afterClose: () => Promise<void>, mutex: Mutex) {
    this.#pglite = pglite;
    this.#afterClose = afterClose;
    this.#mutex = mutex;
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    // Opened by whoever made the instance (PGlite.create, PGliteThread.open).
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    if (this.#closed) {
      release();
      throw heraldError('GW_ERR_DB_UNREACHABLE', 'the embedded ledger is closed');
    }
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = 'begin';
    if (settings.isolationLevel !== undefined) statement += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode !== undefined) statement += ` ${settings.accessMode}`;
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw('commit'));
    // PostgreSQL answers COMMIT of an aborted transaction with a ROLLBACK tag, no error.
    if (rows[0]?.command === 'ROLLBACK') throw new Error('transaction was aborted and rolled back');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    // Wait for whoever holds the connection (an open transaction) before closing under it.
    const release = await this.#mutex.lock();
    try {
      if (!this.#closed) {
        this.#closed = true;
        await this.#pglite.close();
        await this.#afterClose();
      }
    } finally {
      release();
    }
  }
}

/**
 * Kysely dialect over one PGlite instance. Kysely's destroy() closes the instance.
 * Uses the PostgreSQL compiler and adapter: PGlite is PostgreSQL.
 */
export class PGliteDialect implements Dialect {
  readonly #pglite: EmbeddedPostgres;
  readonly #afterClose: () => Promise<void>;
  readonly #mutex: Mutex;

  /**
   * @param afterClose runs once the instance is closed (connect.ts releases the folder's lock there).
   * @param mutex who holds the one connection; share it with anything else that runs statements on the instance.
   */
  constructor(pglite: EmbeddedPostgres, afterClose: () => Promise<void> = async () => undefined, mutex = new Mutex()) {
    this.#pglite = pglite;
    this.#afterClose = afterClose;
    this.#mutex = mutex;
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#pglite, this.#afterClose, this.#mutex);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
