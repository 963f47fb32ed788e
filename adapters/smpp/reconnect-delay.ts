/**
 * Delay before the next bind attempt: exponential from `minMs`, capped at `maxMs`, with
 * "equal jitter" (half fixed, half random) so binds dropped together by one SMSC restart
 * do not all come back in the same millisecond.
 */
export function reconnectDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
