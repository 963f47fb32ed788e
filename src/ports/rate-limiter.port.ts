/**
 * Counting events per key over fixed windows, shared by every gateway node (so N nodes
 * do not multiply a limit by N). Implemented on Redis in queues/.
 */
export interface RateLimiter {
  /**
   * Counts one event for each key and says, per key, how many were counted in the current
   * window (this one included). One round trip for all keys.
   */
  hit(keys: readonly string[], windowSeconds: number): Promise<readonly number[]>;
}
