/**
 * The one place where database failures (pg, PGlite, the network under them) become
 * catalogue errors. Both drivers report PostgreSQL SQLSTATE codes in `code`, and pg
 * reports socket failures with Node's errno codes, so one table serves both backends.
 */
import { heraldError, isHeraldError, type HeraldError } from '../errors.js';

/** SQLSTATE / errno → what it means for a caller of the ledger. */
type Outcome = 'unreachable' | 'conflict' | 'not-found';

const BY_CODE: Readonly<Record<string, Outcome>> = {
  // unique_violation: a concurrent writer got there first (or a duplicate key was given).
  '23505': 'conflict',
  // foreign_key_violation: the message / delivery referred to does not exist.
  '23503': 'not-found',
  '40001': 'conflict',
  // deadlock_detected, lock_not_available: lost a race for a row lock.
  '40P01': 'conflict',
  '55P03': 'conflict',
  // The server is going away, full, or will not let us in: the database is not usable.
  '57P01': 'unreachable',
  '57P02': 'unreachable',
  '57P03': 'unreachable',
  '53300': 'unreachable',
  '3D000': 'unreachable',
  '28000': 'unreachable',
  '28P01': 'unreachable',
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EPIPE: 'unreachable',
  EACCES: 'unreachable',
  ENOENT: 'unreachable',
  ENOTDIR: 'unreachable',
  EROFS: 'unreachable',
};

// pg reports these without a code. A connection that could not be opened in time is
// "Connection terminated due to connection timeout": unreachable.
const UNREACHABLE_MESSAGES = [
  /connection terminated/i,
  /Connection ended unexpectedly/i,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
  /PGlite is closed/i,
];

/**
 * pg-pool's answer when all of its clients stayed checked out for its whole
 * `connectionTimeoutMillis`: the database answers, Herald has no connection free for it.
 */
const POOL_WAIT_MESSAGE = /timeout exceeded when trying to connect/i;

/** Why the database cannot be used right now. */
export type DatabaseUnavailable = 'unreachable' | 'busy';

interface ErrorFacts {
  readonly code?: string | undefined;
  readonly constraint?: string | undefined;
  readonly reason: string;
  /** The pool's wait for a free client, when the error came through the pool (see {@link withPoolWait}). */
  readonly poolWaitMs?: number | undefined;
}

function factsOf(err: unknown): ErrorFacts {
  if (typeof err !== 'object' || err === null) return { reason: String(err) };
  const record = err as { code?: unknown; constraint?: unknown; message?: unknown; errors?: unknown; poolWaitMs?: unknown };
  const code = typeof record.code === 'string' ? record.code : undefined;
  const poolWaitMs = typeof record.poolWaitMs === 'number' ? record.poolWaitMs : undefined;
  const constraint = typeof record.constraint === 'string' ? record.constraint : undefined;
  let reason = typeof record.message === 'string' ? record.message : '';
  // Node reports a refused connection to every address of a host as an AggregateError
  // with an empty message; the first inner error says what happened.
  if (reason === '' && Array.isArray(record.errors) && record.errors.length > 0) {
    reason = factsOf(record.errors[0]).reason;
  }
  if (reason === '') reason = code ?? 'unknown error';
  return { code, constraint, poolWaitMs, reason: reason.split('\n')[0] ?? reason };
}

/**
 * Notes on a failure from the PostgreSQL pool how long the pool waits for a free client,
 * so the busy-pool detail can name it. Called by the connection (src/ledger/connect.ts)
 * on everything its pool throws; the classification stays here.
 * @returns `err` itself (with `poolWaitMs` set when it is an object).
 */
export function withPoolWait(err: unknown, waitMs: number): unknown {
  if (typeof err === 'object' && err !== null && !Object.isFrozen(err)) Object.assign(err, { poolWaitMs: waitMs });
  return err;
}

/** The reason of any thrown value as one line (errno code or SQLSTATE included when useful). */
export function oneLineReason(err: unknown): string {
  const { code, reason } = factsOf(err);
  return code !== undefined && !reason.includes(code) ? `${reason} (${code})` : reason;
}

/**
 * Whether the failure means the database cannot be used right now, and why: `unreachable`
 * (no connection to it, or it refuses us), `busy` (it answers, but every pooled
 * connection stayed in use for the pool's whole wait), else undefined.
 */
export function unavailability(err: unknown): DatabaseUnavailable | undefined {
  if (isHeraldError(err, 'GW_ERR_DB_UNREACHABLE')) return 'unreachable';
  if (isHeraldError(err, 'GW_ERR_DB_BUSY')) return 'busy';
  const { code, reason } = factsOf(err);
  if (code !== undefined && (BY_CODE[code] === 'unreachable' || code.startsWith('08'))) return 'unreachable';
  if (POOL_WAIT_MESSAGE.test(reason)) return 'busy';
  return UNREACHABLE_MESSAGES.some((pattern) => pattern.test(reason)) ? 'unreachable' : undefined;
}

/**
 * True when the database cannot be used right now, unreachable or busy: either way a
 * retry later is the answer, and splitting work into more statements (the writer's
 * fallback for a batch one bad op failed) would only ask more of it.
 */
export function isUnreachable(err: unknown): boolean {
  return unavailability(err) !== undefined;
}

function busyDetail(context: string, facts: ErrorFacts): string {
  const within = facts.poolWaitMs === undefined ? 'in time' : `within ${facts.poolWaitMs} ms`;
  return `${context}: no connection free ${within}`;
}

/**
 * Maps anything a database call threw to a catalogue error; catalogue errors pass through.
 * @param context what the ledger was doing, e.g. `transition d-1`, put at the start of the detail.
 * @returns GW_ERR_DB_UNREACHABLE, GW_ERR_DB_BUSY (the pool had no connection free in its
 *   wait), GW_ERR_LEDGER_CONFLICT, GW_ERR_LEDGER_NOT_FOUND, else GW_ERR_GATEWAY_INTERNAL.
 */
export function toLedgerError(err: unknown, context: string): HeraldError {
  if (isHeraldError(err)) return err;
  const facts = factsOf(err);
  const meta = { sqlState: facts.code, constraint: facts.constraint };
  const unavailable = unavailability(err);
  if (unavailable === 'busy') return heraldError('GW_ERR_DB_BUSY', busyDetail(context, facts), { cause: err, meta: { ...meta, poolWaitMs: facts.poolWaitMs } });
  if (unavailable === 'unreachable') return heraldError('GW_ERR_DB_UNREACHABLE', `${context}: ${oneLineReason(err)}`, { cause: err, meta });
  const outcome = facts.code === undefined ? undefined : BY_CODE[facts.code];
  const what = facts.constraint ?? facts.reason;
  if (outcome === 'conflict') return heraldError('GW_ERR_LEDGER_CONFLICT', `${context}: ${what}`, { cause: err, meta });
  if (outcome === 'not-found') return heraldError('GW_ERR_LEDGER_NOT_FOUND', `${context}: ${what}`, { cause: err, meta });
  return heraldError('GW_ERR_GATEWAY_INTERNAL', `${context}: ${oneLineReason(err)}`, { cause: err, meta });
}

/** Runs one ledger operation and maps whatever it throws through {@link toLedgerError}. */
export async function guarded<T>(context: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw toLedgerError(err, context);
  }
}
