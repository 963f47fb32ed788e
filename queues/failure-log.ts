/**
 * How a worker logs a job run that threw: one decision, from the catalogue's retry class
 * (src/errors.ts `retryClass`) and whether the job has attempts left. Expected retries are
 * the queues working as designed (an outage ridden out, a lost race, a far side saying
 * "later"); a warning with a stack for each drowned the log in the ones that are not.
 */
import { retryClass } from '../src/errors.js';

export type FailureLevel = 'debug' | 'info' | 'warn' | 'error';

export interface FailureLog {
  readonly level: FailureLevel;
  /** Log the error with its stack (`err`), or only its code and detail. */
  readonly withStack: boolean;
  /** No retry follows: the job ends failed. */
  readonly final: boolean;
}

/**
 * @param attempt the attempt that just failed, from 1.
 * @param maxAttempts the job's attempts; `Infinity` when this failure spends none.
 */
export function failureLog(err: unknown, attempt: number, maxAttempts: number): FailureLog {
  const kind = retryClass(err);
  if (kind === 'permanent' || attempt >= maxAttempts) return { level: 'error', withStack: true, final: true };
  if (kind === 'unexpected') return { level: 'warn', withStack: true, final: false };
  return { level: kind === 'waits' ? 'debug' : 'info', withStack: false, final: false };
}
