/**
 * The embedded ledger on a thread of its own. PGlite is PostgreSQL compiled to WebAssembly:
 * on the gateway's thread every statement stops everything else (SIP, SMPP, Redis) while
 * it runs, and the process uses one core of two (npm run bench, PGlite: about 1.5 ms of
 * database work per round trip beside 1.1 ms of gateway work). Here PGlite runs in a
 * worker thread and the gateway waits for it as it waits for a PostgreSQL server, so both
 * cores work and the writer's group commit gathers while a statement runs, as it does on
 * PostgreSQL.
 *
 * PGlite's own PGliteWorker is made for browsers (Web Workers, Web Locks), which Node 20
 * lacks; the worker below is a few lines over worker_threads. Its source is a string
 * evaluated as the worker's script, so it runs the same from the TypeScript sources
 * (vitest) and from dist/: a file next to this one would be `.ts` under vitest, which a
 * worker thread cannot load.
 *
 * Statements run one at a time in the order sent (PGlite is one backend); the dialect's
 * mutex keeps other callers out of an open transaction, as before.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { heraldError } from '../errors.js';

/** What a statement answers, as PGlite's `query` gives it. */
export interface EmbeddedResult<R> {
  readonly rows: R[];
  readonly command?: string | undefined;
  readonly rowCount?: number | undefined;
  readonly affectedRows?: number | undefined;
}

/** The part of PGlite the dialect uses: PGlite itself, or {@link PGliteThread}. */
export interface EmbeddedPostgres {
  query<R>(sql: string, parameters: readonly unknown[]): Promise<EmbeddedResult<R>>;
  close(): Promise<void>;
}

type Request =
  | { readonly id: number; readonly op: 'query'; readonly sql: string; readonly parameters: readonly unknown[] }
  | { readonly id: number; readonly op: 'run'; readonly name: string; readonly sql: string; readonly parameters: readonly unknown[] }
  | { readonly id: number; readonly op: 'close' };

type Reply =
  | { readonly id: number; readonly ok: true; readonly result: EmbeddedResult<unknown> }
  | { readonly id: number; readonly ok: false; readonly error: Readonly<Record<string, unknown>> };

type Started = { readonly started: true } | { readonly started: false; readonly error: Readonly<Record<string, unknown>> };

/**
 * The worker's script (CommonJS, as `eval` workers are). Errors travel as their own
 * enumerable fields (PostgreSQL's `code`, `constraint`, `detail`, …) plus message and
 * name: db-errors.ts reads those.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
};
const plain = (err) => {
  const out = { message: err && err.message !== undefined ? String(err.message) : String(err), name: err && err.name };
  if (err && typeof err === 'object') for (const key of Object.keys(err)) {
    const value = err[key];
    // params: the batch's arrays, large and already in the caller's hands.
    if (value === undefined || typeof value === 'function' || key === 'params') continue;
    out[key] = typeof value === 'object' && value !== null ? String(value) : value;
  }
  return out;
};
(async () => {
  let pglite;
  let protocol;
  let parse;
  try {
    ({ protocol, parse } = require(workerData.module));
    const { PGlite } = require(workerData.module);
    pglite = await PGlite.create(workerData.dataDir);
  } catch (err) {
    parentPort.postMessage({ started: false, error: plain(err) });
    return;
  }
  const { serialize } = protocol;
  // Parameter types of each named statement, parsed and planned once (see run below).
  const prepared = new Map();
  const run = async (name, sql, parameters) => {
    let types = prepared.get(name);
    if (types === undefined) {
      const described = await pglite.execProtocol(concat([serialize.parse({ name, text: sql, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()]));
      types = parse.parseDescribeStatementResults(described.messages);
      prepared.set(name, types);
    }
    // As PGlite's query() serializes, by each parameter's type.
    const values = parameters.map((value, i) => (value === null || value === undefined ? null : (pglite.serializers[types[i]] ?? String)(value)));
    const result = await pglite.execProtocol(concat([serialize.bind({ statement: name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]));
    return parse.parseResults(result.messages, pglite.parsers)[0] ?? { rows: [] };
  };
  parentPort.on('message', async (request) => {
    try {
      if (request.op === 'close') {
        await pglite.close();
        parentPort.postMessage({ id: request.id, ok: true, result: { rows: [] } });
        parentPort.close();
        return;
      }
      const { rows, command, rowCount, affectedRows } =
        request.op === 'run' ? await run(request.name, request.sql, request.parameters) : await pglite.query(request.sql, request.parameters);
      parentPort.postMessage({ id: request.id, ok: true, result: { rows, command, rowCount, affectedRows } });
    } catch (err) {
      parentPort.postMessage({ id: request.id, ok: false, error: plain(err) });
    }
  });
  parentPort.postMessage({ started: true });
})();
`;

/** An error as the worker sent it, with its fields back on an Error. */
function revive(fields: Readonly<Record<string, unknown>>): Error {
  const err = new Error(typeof fields.message === 'string' ? fields.message : 'PGlite failed');
  Object.assign(err, fields);
  return err;
}

/** PGlite in a worker thread (see the module comment). */
export class PGliteThread implements EmbeddedPostgres {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (result: EmbeddedResult<unknown>) => void; reject: (err: Error) => void }>();
  #nextId = 1;
  /** Why the thread can take no more statements, once it cannot. */
  #gone: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: Reply) => {
      const waiting = this.#pending.get(reply.id);
      if (waiting === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(revive(reply.error));
    });
    const fail = (err: Error): void => {
      this.#gone ??= err;
      for (const waiting of this.#pending.values()) waiting.reject(err);
      this.#pending.clear();
    };
    worker.on('error', (err) => fail(heraldError('GW_ERR_DB_UNREACHABLE', `the embedded ledger's thread failed: ${err.message}`)));
    worker.on('exit', (code) => fail(heraldError('GW_ERR_DB_UNREACHABLE', `the embedded ledger's thread exited (code ${code})`)));
  }

  /** Starts the thread and opens `dataDir` in it. @throws what PGlite.create throws. */
  static async open(dataDir: string): Promise<PGliteThread> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Resolved here: an eval worker resolves bare names from the working directory.
      workerData: { dataDir, module: createRequire(import.meta.url).resolve('@electric-sql/pglite') },
    });
    let onMessage: (started: Started) => void = () => undefined;
    let onError: (err: Error) => void = () => undefined;
    let onExit: (code: number) => void = () => undefined;
    const started = await new Promise<Started>((resolve, reject) => {
      onMessage = resolve;
      onError = reject;
      onExit = (code) => reject(new Error(`the embedded ledger's thread exited (code ${code}) while opening ${dataDir}`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    }).finally(() => {
      // Only these: the Worker's own listeners carry its messages.
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    });
    if (!started.started) {
      await worker.terminate();
      throw revive(started.error);
    }
    return new PGliteThread(worker);
  }

  query<R>(sql: string, parameters: readonly unknown[]): Promise<EmbeddedResult<R>> {
    return this.#send({ id: this.#nextId++, op: 'query', sql, parameters: [...parameters] }) as Promise<EmbeddedResult<R>>;
  }

  /**
   * A statement prepared once under `name` (parsed and planned once, as the PostgreSQL
   * runner's named statements are), then bound and run: half the time of `query` for the
   * writer's statements, which re-parses and plans each time (npm run bench). The caller
   * keeps it out of open transactions, as for `query`.
   */
  run<R>(name: string, sql: string, parameters: readonly unknown[]): Promise<EmbeddedResult<R>> {
    return this.#send({ id: this.#nextId++, op: 'run', name, sql, parameters: [...parameters] }) as Promise<EmbeddedResult<R>>;
  }

  /** Closes PGlite (it writes its state out) and ends the thread. */
  async close(): Promise<void> {
    if (this.#gone === undefined) await this.#send({ id: this.#nextId++, op: 'close' });
    this.#gone ??= heraldError('GW_ERR_DB_UNREACHABLE', 'the embedded ledger is closed');
    await this.#worker.terminate();
  }

  #send(request: Request): Promise<EmbeddedResult<unknown>> {
    const gone = this.#gone;
    if (gone !== undefined) return Promise.reject(gone);
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      this.#worker.postMessage(request);
    });
  }
}
