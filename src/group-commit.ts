/**
 * Group commit: what many callers send at one moment goes as one round trip. Every
 * statement, commit or Redis call costs a socket write and a wake-up on both sides, and a
 * commit a WAL flush, whatever it carries (npm run bench: ~1 ms of PostgreSQL CPU a
 * commit); paid per message, that capped the gateway near 100 round trips a second. The
 * ledger writer and the queue adapter share their round trips through this.
 *
 * Single-flight: when nothing is in flight, an op goes in the same tick it was submitted
 * (no added latency when idle); while a flush runs, the next ops gather and go together as
 * soon as it ends. Ops with the same key (a delivery) never share a flush and keep their
 * submission order, so one statement never updates a row twice.
 *
 * A database with one connection (PGlite) runs one statement at a time, whatever its kind:
 * a flush that took its batch and then queued for the connection would leave behind every
 * op that arrived meanwhile (at 300 messages/s, eight ops a flush and the embedded
 * database's thread busy with commits). There the flush first waits for the connection
 * (`acquire`) and takes its batch once it holds it, so the wait gathers, as a flush in
 * flight does.
 */

/** A flush's answer for one op that failed on its own: that op is rejected with `error`. */
export class OpFailed {
  constructor(readonly error: unknown) {}
}

export interface GroupCommitOptions<Op, Result> {
  /**
   * Writes a batch in one statement and returns one result per op, in the ops' order
   * ({@link OpFailed} for an op that failed alone). A throw rejects every op of the batch
   * with that error.
   */
  readonly flush: (ops: readonly Op[]) => Promise<readonly (Result | OpFailed)[]>;
  /** Ops with equal keys go in different flushes, in submission order. */
  readonly keyOf: (op: Op) => string;
  /**
   * The most ops one flush carries (bounds the statement's size and its lock set).
   * @defaultValue 500
   */
  readonly maxBatch?: number | undefined;
  /** Told the size of each flush, e.g. for a histogram. */
  readonly onFlush?: ((size: number) => void) | undefined;
  /**
   * Waits for what a flush needs to itself (the one connection) and resolves with its
   * release; the batch is taken once it is held (see the module comment).
   */
  readonly acquire?: (() => Promise<() => void>) | undefined;
}

interface Entry<Op, Result> {
  readonly op: Op;
  readonly key: string;
  readonly resolve: (result: Result) => void;
  readonly reject: (err: unknown) => void;
}

/** See the module comment. */
export class GroupCommit<Op, Result> {
  readonly #flush: (ops: readonly Op[]) => Promise<readonly (Result | OpFailed)[]>;
  readonly #keyOf: (op: Op) => string;
  readonly #maxBatch: number;
  readonly #onFlush: ((size: number) => void) | undefined;
  readonly #acquire: (() => Promise<() => void>) | undefined;
  #pending: Entry<Op, Result>[] = [];
  #draining: Promise<void> | undefined;

  constructor(options: GroupCommitOptions<Op, Result>) {
    this.#flush = options.flush;
    this.#keyOf = options.keyOf;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#onFlush = options.onFlush;
    this.#acquire = options.acquire;
  }

  /** Queues `op` for the next flush; settles when that flush has committed (or failed). */
  submit(op: Op): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#pending.push({ op, key: this.#keyOf(op), resolve, reject });
      // A microtask, not at once: ops submitted in the same synchronous run (a recipient
      // list's deliveries, a batch of receipts) join one flush.
      if (this.#draining === undefined) {
        this.#draining = new Promise<void>((done) => queueMicrotask(() => void this.#drain().finally(done)));
      }
    });
  }

  /** Resolves when every op submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const release = await this.#acquire?.();
        const batch = this.#take();
        let results: readonly (Result | OpFailed)[];
        try {
          this.#onFlush?.(batch.length);
          results = await this.#flush(batch.map((entry) => entry.op));
        } catch (err) {
          for (const entry of batch) entry.reject(err);
          continue;
        } finally {
          release?.();
        }
        batch.forEach((entry, i) => {
          const result = results[i];
          if (i >= results.length) entry.reject(new Error(`group commit: the flush returned ${results.length} results for ${batch.length} ops`));
          else if (result instanceof OpFailed) entry.reject(result.error);
          else entry.resolve(result as Result);
        });
      }
    } finally {
      this.#draining = undefined;
    }
  }

  /** The next batch: oldest first, one op per key, the rest left in order for later. */
  #take(): Entry<Op, Result>[] {
    const batch: Entry<Op, Result>[] = [];
    const seen = new Set<string>();
    const rest: Entry<Op, Result>[] = [];
    for (const entry of this.#pending) {
      if (batch.length < this.#maxBatch && !seen.has(entry.key)) batch.push(entry);
      else rest.push(entry);
      // Marked even when deferred: a later op of this key must not overtake it.
      seen.add(entry.key);
    }
    this.#pending = rest;
    return batch;
  }
}
