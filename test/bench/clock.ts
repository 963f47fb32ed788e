/**
 * One clock for every thread of the bench: wall-clock milliseconds with sub-millisecond
 * resolution. performance.now() alone starts at each thread's own origin, so a submit seen
 * in the simulator's worker could not be compared with a 202 seen on the main thread.
 */
import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
