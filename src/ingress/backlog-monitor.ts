/**
 * Ingress compares the queue backlog with its bound on every MESSAGE, but asking Redis
 * each time would double the Redis work per message. The backlog is sampled at most
 * once per SAMPLE_MS in the background and the last value is used.
 */
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export const SAMPLE_MS = 1000;

export class BacklogMonitor {
  private value = 0;
  private sampledAt = 0;
  private sampling = false;

  constructor(
    private readonly sample: () => Promise<number>,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  current(): number {
    if (!this.sampling && this.now() - this.sampledAt >= SAMPLE_MS) {
      this.sampling = true;
      this.sample()
        .then((value) => {
          this.value = value;
          this.metrics.queueBacklog.set(value);
        })
        .catch((err: unknown) => this.log.warn({ err }, 'backlog sample failed'))
        .finally(() => {
          this.sampledAt = this.now();
          this.sampling = false;
        });
    }
    return this.value;
  }
}
