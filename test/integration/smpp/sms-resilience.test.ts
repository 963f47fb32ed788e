/**
 * The SMS channel under trouble: a bind dropped mid-stream of 1,000 messages, and an SMSC
 * that throttles. Nothing may be lost, failed, or submitted twice beyond the documented
 * ambiguous case (a part accepted whose resp never came).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSmsHarness, until, type SmsHarness } from '../../helpers/sms-harness.js';

let h: SmsHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const texts = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag} message ${i} of ${n}`);

describe('SMS resilience', () => {
  describe('when the bind is dropped mid-stream of 1,000 messages', () => {
    it('reconnects and delivers every message, none submitted twice', async () => {
      const harness = await startSmsHarness({ label: 'sms_drop', sim: { drop: { afterSubmits: 350, refuseBindsMs: 200 } } });
      h = harness;
      const ids = await harness.sendMany(texts(1000, 'drop'));
      const finals = await harness.waitFinal(ids, 45_000);
      expect(finals.filter((d) => d.state !== 'delivered')).toEqual([]);
      expect(harness.sim.counters.drops).toBeGreaterThanOrEqual(1);
      expect(harness.sim.counters.bindFailures).toBeGreaterThanOrEqual(0);
      // The SMSC answered every submit it accepted before dropping: nothing is ambiguous.
      expect(harness.sim.counters.duplicates).toBe(0);
      expect(harness.sim.submits).toHaveLength(1000);
      expect(harness.gateway.status().connections[0]?.binds.some((b) => b.reconnects > 0)).toBe(true);
    });

    it('resends only the parts whose resp was lost with the bind (the documented ambiguous case)', async () => {
      const harness = await startSmsHarness({ label: 'sms_drop_ambiguous', sim: { drop: { afterSubmits: 120, beforeResp: true, repeat: true } } });
      h = harness;
      const ids = await harness.sendMany(texts(300, 'ambiguous'));
      const finals = await harness.waitFinal(ids, 45_000);
      expect(finals.filter((d) => d.state !== 'delivered')).toEqual([]);
      const { drops, duplicates } = harness.sim.counters;
      expect(drops).toBeGreaterThanOrEqual(1);
      // At most the parts in flight on the dropped bind (its window, 10 in the harness) at
      // each drop: their acceptance may never have been acknowledged. Usually one per drop.
      expect(duplicates).toBeLessThanOrEqual(drops * 10);
    });
  });

  describe('when the SMSC throttles', () => {
    it('slows down and offers the parts again; no message fails', async () => {
      const harness = await startSmsHarness({
        label: 'sms_throttle',
        // A rate limit below ours, as real SMSCs throttle; plus an occasional full queue.
        sim: { throttle: { maxPerSecond: 60 }, queueFull: { everyNth: 40 } },
        connection: { maxPerSecond: 400 },
      });
      h = harness;
      let slowest = Number.POSITIVE_INFINITY;
      const probe = setInterval(() => {
        const rate = harness.gateway.status().connections[0]?.throughput.currentPerSecond ?? Number.POSITIVE_INFINITY;
        slowest = Math.min(slowest, rate);
      }, 10);
      try {
        const ids = await harness.sendMany(texts(200, 'throttle'));
        const finals = await harness.waitFinal(ids, 45_000);
        expect(finals.filter((d) => d.state !== 'delivered')).toEqual([]);
      } finally {
        clearInterval(probe);
      }
      expect(harness.sim.counters.throttled).toBeGreaterThan(0);
      expect(harness.sim.counters.queueFull).toBeGreaterThan(0);
      expect(harness.sim.counters.duplicates).toBe(0);
      const status = harness.gateway.status().connections[0];
      expect(status?.throughput.throttled).toBe(harness.sim.counters.throttled + harness.sim.counters.queueFull);
      // The bucket was slowed below the configured rate.
      expect(slowest).toBeLessThan(400);
    });

    it('counts a part the SMSC kept refusing with ESME_RMSGQFUL as a throttled submit', async () => {
      const harness = await startSmsHarness({
        label: 'sms_queue_full',
        // Only "queue full", never ESME_RTHROTTLED, for longer than a submit may take.
        sim: { queueFull: { everyNth: 1 } },
        connection: { submitTimeoutMs: 500 },
      });
      h = harness;
      const throttled = async (): Promise<number> =>
        (await harness.metrics.smsSubmits.get()).values.find((v) => v.labels.connection === 'smsc1' && v.labels.outcome === 'throttled')?.value ?? 0;
      await harness.send('queue full');
      await until(async () => (await throttled()) >= 1, 15_000);
      expect(harness.sim.counters.throttled).toBe(0);
      expect(harness.sim.counters.queueFull).toBeGreaterThan(0);
      expect(harness.gateway.status().connections[0]?.throughput.throttled).toBeGreaterThan(0);
      const failed = (await harness.metrics.smsSubmits.get()).values.filter((v) => v.labels.outcome === 'failed');
      expect(failed).toEqual([]);
    });
  });
});
