/**
 * The throughput series of the dashboard chart: final deliveries per channel per bucket,
 * zero-filled so every channel has one point per bucket and a client can draw it as is.
 */
import type { Channel } from '../../domain/message.js';
import type { FinalCount } from '../../ports/delivery-stats.port.js';

/** The windows offered, each with a bucket size that keeps a series under ~100 points. */
export const THROUGHPUT_WINDOWS = {
  '15m': { seconds: 15 * 60, bucketSeconds: 60 },
  '1h': { seconds: 3600, bucketSeconds: 60 },
  '6h': { seconds: 6 * 3600, bucketSeconds: 300 },
  '24h': { seconds: 24 * 3600, bucketSeconds: 900 },
} as const;

export type ThroughputWindow = keyof typeof THROUGHPUT_WINDOWS;

export const THROUGHPUT_CHANNELS: readonly Channel[] = ['sms', 'email', 'sip'];

/** Final states that count against the success rate; `cancelled` was an admin's choice, not a failure. */
export const UNSUCCESSFUL_STATES = ['failed', 'expired', 'rejected'] as const;

export interface ThroughputPoint {
  readonly at: string;
  delivered: number;
  failed: number;
  expired: number;
  rejected: number;
  cancelled: number;
}

export interface ChannelSeries {
  readonly channel: Channel;
  readonly delivered: number;
  /** failed + expired + rejected in the window. */
  readonly unsuccessful: number;
  /** delivered / (delivered + unsuccessful); null when nothing finished. */
  readonly successRate: number | null;
  readonly points: readonly ThroughputPoint[];
}

export interface Throughput {
  readonly window: ThroughputWindow;
  readonly bucketSeconds: number;
  readonly from: string;
  readonly to: string;
  readonly channels: readonly ChannelSeries[];
}

/** [from, to) of a window ending with the bucket that holds `now`. */
export function windowRange(window: ThroughputWindow, now: Date): { from: Date; to: Date; bucketSeconds: number } {
  const { seconds, bucketSeconds } = THROUGHPUT_WINDOWS[window];
  const bucketMs = bucketSeconds * 1000;
  const to = Math.ceil((now.getTime() + 1) / bucketMs) * bucketMs;
  return { from: new Date(to - seconds * 1000), to: new Date(to), bucketSeconds };
}

function emptyPoint(at: number): ThroughputPoint {
  return { at: new Date(at).toISOString(), delivered: 0, failed: 0, expired: 0, rejected: 0, cancelled: 0 };
}

/** Spreads the ledger's counts over every bucket of [from, to) for each channel. */
export function buildThroughput(window: ThroughputWindow, range: { from: Date; to: Date; bucketSeconds: number }, counts: readonly FinalCount[]): Throughput {
  const bucketMs = range.bucketSeconds * 1000;
  const start = range.from.getTime();
  const buckets = Math.round((range.to.getTime() - start) / bucketMs);
  const channels = THROUGHPUT_CHANNELS.map((channel) => {
    const points = Array.from({ length: buckets }, (_, i) => emptyPoint(start + i * bucketMs));
    for (const count of counts) {
      if (count.channel !== channel) continue;
      const point = points[Math.floor((count.at.getTime() - start) / bucketMs)];
      if (point === undefined) continue;
      if (count.state === 'delivered' || count.state === 'cancelled' || count.state === 'failed' || count.state === 'expired' || count.state === 'rejected') {
        point[count.state] += count.count;
      }
    }
    const delivered = points.reduce((sum, p) => sum + p.delivered, 0);
    const unsuccessful = points.reduce((sum, p) => sum + p.failed + p.expired + p.rejected, 0);
    const finished = delivered + unsuccessful;
    return { channel, delivered, unsuccessful, successRate: finished === 0 ? null : delivered / finished, points };
  });
  return { window, bucketSeconds: range.bucketSeconds, from: range.from.toISOString(), to: range.to.toISOString(), channels };
}
