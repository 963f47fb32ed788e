/** The queue depth sampler: counts per queue and state into herald_queue_depth. */
import { describe, expect, it } from 'vitest';
import { sampleQueueDepth, startQueueDepthSampler } from '../../../queues/queue-depth.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import type { QueueStats } from '../../../src/ports/queue-stats.port.js';

async function value(metrics: Metrics, queue: string, state: string): Promise<number | undefined> {
  const gauge = await metrics.queueDepth.get();
  return gauge.values.find((v) => v.labels.queue === queue && v.labels.state === state)?.value;
}

describe('queue depth sampler', () => {
  describe('when sampled', () => {
    it('sets waiting, active, delayed, prioritized and failed per queue, and leaves completed out', async () => {
      const metrics = new Metrics({ defaults: false });
      const stats: Pick<QueueStats, 'counts'> = { counts: async () => ({ 'sms-submit': { waiting: 4, active: 1, completed: 900, failed: 2 } }) };
      await sampleQueueDepth(stats, metrics);
      expect(await value(metrics, 'sms-submit', 'waiting')).toBe(4);
      expect(await value(metrics, 'sms-submit', 'active')).toBe(1);
      expect(await value(metrics, 'sms-submit', 'delayed')).toBe(0);
      expect(await value(metrics, 'sms-submit', 'failed')).toBe(2);
      expect(await value(metrics, 'sms-submit', 'completed')).toBeUndefined();
    });
  });

  describe('when Redis fails', () => {
    it('keeps the last values and keeps sampling', async () => {
      const metrics = new Metrics({ defaults: false });
      let calls = 0;
      const stats: Pick<QueueStats, 'counts'> = {
        counts: async () => {
          calls++;
          if (calls === 1) return { archive: { waiting: 3 } };
          throw new Error('redis down');
        },
      };
      const stop = startQueueDepthSampler(stats, metrics, createLogger('silent'), { intervalMs: 10 });
      await new Promise((r) => setTimeout(r, 60));
      await stop();
      expect(calls).toBeGreaterThan(1);
      expect(await value(metrics, 'archive', 'waiting')).toBe(3);
    });
  });
});
