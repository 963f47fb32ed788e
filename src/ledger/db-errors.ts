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

// pg reports these without a code.
const UNREACHABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /Connection ended unexpectedly/i,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
  /PGlite is closed/i,
];

interface ErrorFacts {
  readonly code?: string | undefined;
  readonly constraint?: string | undefined;
  readonly reason: string;
}

function factsOf(err: unknown): ErrorFacts {
  if (typeof err !== 'object' || err === null) return { reason: String(err) };
  const record = err as { code?: unknown; constraint?: unknown; message?: unknown; errors?: unknown };
  const code = typeof record.code === 'string' ? record.code : undefined;
  const constraint = typeof record.constraint === 'string' ? record.constraint : undefined;
  let reason = typeof record.message === 'string' ? record.message : '';
  // Node reports a refused connection to every address of a host as an AggregateError
  // with an empty message; the first inner error says what happened.
  if (reason === '' && Array.isArray(record.errors) && record.errors.length > 0) {
    reason = factsOf(record.errors[0]).reason;
  }
  if (reason === '') reason = code ?? 'unknown error';
  return { code, constraint, reason: reason.split('\n')[0] ?? reason };
}

/** The reason of any thrown value as one line (errno code or SQLSTATE included when useful). */
export function oneLineReason(err: unknown): string {
  const { code, reason } = factsOf(err);
  return code !== undefined && !reason.includes(code) ? `${reason} (${code})` : reason;
}

/** True when the failure means the database cannot be reached or used at all. */
export function isUnreachable(err: unknown): boolean {
  if (isHeraldError(err, 'GW_ERR_DB_UNREACHABLE')) return true;
  const { code, reason } = factsOf(err);
  if (code !== undefined && (BY_CODE[code] === 'unreachable' || code.startsWith('08'))) return true;
  return UNREACHABLE_MESSAGES.some((pattern) => pattern.test(reason));
}

/**
 * Maps anything a database call threw to a catalogue error; catalogue errors pass through.
 * @param context what the ledger was doing, e.g. `transition d-1`, put at the start of the detail.
 * @returns GW_ERR_DB_UNREACHABLE, GW_ERR_LEDGER_CONFLICT, GW_ERR_LEDGER_NOT_FOUND, else GW_ERR_GATEWAY_INTERNAL.
 */
export function toLedgerError(err: unknown, context: string): HeraldError {
  if (isHeraldError(err)) return err;
  const facts = factsOf(err);
  const meta = { sqlState: facts.code, constraint: facts.constraint };
  if (isUnreachable(err)) return heraldError('GW_ERR_DB_UNREACHABLE', `${context}: ${oneLineReason(err)}`, { cause: err, meta });
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
