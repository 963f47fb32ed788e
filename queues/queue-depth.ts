/**
 * Samples job counts per queue into the `herald_queue_depth` gauge. A timer rather than
 * a collect-on-scrape callback: a slow or absent Redis must not stall /metrics, and
 * several Prometheus servers scraping must not multiply the Redis load.
 */
import type { Logger } from '../src/logger.js';
import type { Metrics } from '../src/metrics.js';
import type { QueueStats } from '../src/ports/queue-stats.port.js';

/** @defaultValue of {@link QueueDepthOptions.intervalMs} */
export const QUEUE_DEPTH_INTERVAL_MS = 5000;

/** The states worth a series: completed jobs are history, not depth. */
const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

export interface QueueDepthOptions {
  /** @defaultValue {@link QUEUE_DEPTH_INTERVAL_MS} */
  readonly intervalMs?: number | undefined;
}

/** Takes one sample now. @throws whatever `stats.counts()` throws (Redis unreachable) */
export async function sampleQueueDepth(stats: Pick<QueueStats, 'counts'>, metrics: Metrics): Promise<void> {
  const counts = await stats.counts();
  for (const [queue, byState] of Object.entries(counts)) {
    for (const state of DEPTH_STATES) metrics.queueDepth.set({ queue, state }, byState[state] ?? 0);
  }
}

/**
 * Starts sampling in the background (the first sample at once) and returns the stop
 * function. A failed sample is logged at warn and keeps the previous values: a gap in
 * Redis is what the redis readiness check reports, not a reason to zero the gauge.
 */
export function startQueueDepthSampler(stats: Pick<QueueStats, 'counts'>, metrics: Metrics, log: Logger, options: QueueDepthOptions = {}): () => Promise<void> {
  let running = false;
  const tick = (): void => {
    // Never overlap: a Redis slower than the interval would pile up requests.
    if (running) return;
    running = true;
    sampleQueueDepth(stats, metrics)
      .catch((err: unknown) => log.warn({ err }, 'queue depth sample failed'))
      .finally(() => {
        running = false;
      });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? QUEUE_DEPTH_INTERVAL_MS);
  timer.unref();
  return async () => clearInterval(timer);
}
