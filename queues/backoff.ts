/**
 * Retry delays for every queue. Exponential with full jitter (so a burst of failures does
 * not come back as a burst), capped; a failure that says when to come back (a SIP 503
 * Retry-After, an SMSC throttle) is honoured instead.
 */
import { isHeraldError } from '../src/errors.js';

export const BACKOFF_TYPE = 'herald';
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 5 * 60_000;

export function retryDelayMs(attemptsMade: number, err: unknown, random: () => number = Math.random): number {
  if (isHeraldError(err) && typeof err.meta.retryAfterMs === 'number' && err.meta.retryAfterMs >= 0) {
    return Math.min(err.meta.retryAfterMs, BACKOFF_CAP_MS * 12);
  }
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
