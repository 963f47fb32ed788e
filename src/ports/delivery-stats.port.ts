import type { DeliveryState } from '../domain/delivery-state.js';
import type { Channel } from '../domain/message.js';

/** How many deliveries of one channel reached one final state within one time bucket. */
export interface FinalCount {
  /** Start of the bucket (aligned to a multiple of the bucket size since the epoch). */
  readonly at: Date;
  readonly channel: Channel;
  readonly state: DeliveryState;
  readonly count: number;
}

/** Throughput figures for the dashboard, read from the ledger. */
export interface DeliveryStats {
  /**
   * Deliveries that reached a final state in [from, to), counted per bucket, channel and
   * state; empty buckets are absent. A delivery retried and finished again counts once,
   * at its latest final state.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  finalCounts(from: Date, to: Date, bucketSeconds: number): Promise<readonly FinalCount[]>;
}
