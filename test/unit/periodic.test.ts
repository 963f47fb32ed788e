import { afterEach, describe, expect, it, vi } from 'vitest';
import { runPeriodically } from '../../src/periodic.js';

describe('runPeriodically', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('when a pass outlasts the interval', () => {
    it('skips ticks instead of running two passes at once', async () => {
      vi.useFakeTimers();
      let active = 0;
      let most = 0;
      let passes = 0;
      const release: Array<() => void> = [];
      const periodic = runPeriodically(
        () => {
          passes += 1;
          active += 1;
          most = Math.max(most, active);
          return new Promise<void>((resolve) => release.push(() => ((active -= 1), resolve())));
        },
        100,
        () => undefined,
      );
      expect(passes).toBe(1); // at once, not after the first interval
      await vi.advanceTimersByTimeAsync(550);
      expect(passes).toBe(1);
      release.shift()?.();
      await vi.advanceTimersByTimeAsync(100);
      expect(passes).toBe(2);
      expect(most).toBe(1);
      release.shift()?.();
      await periodic.stop();
    });
  });

  describe('when a pass fails', () => {
    it('reports the error and runs again on the next tick', async () => {
      vi.useFakeTimers();
      const errors: unknown[] = [];
      let passes = 0;
      const periodic = runPeriodically(
        async () => {
          passes += 1;
          throw new Error(`pass ${passes}`);
        },
        100,
        (err) => errors.push(err),
      );
      await vi.advanceTimersByTimeAsync(250);
      expect(passes).toBe(3);
      expect(errors.map((e) => (e as Error).message)).toEqual(['pass 1', 'pass 2', 'pass 3']);
      await periodic.stop();
    });
  });

  describe('when stopped during a pass', () => {
    it('does not wait for it, runs no more, and keeps its failure quiet', async () => {
      vi.useFakeTimers();
      const errors: unknown[] = [];
      let passes = 0;
      const periodic = runPeriodically(
        async () => {
          passes += 1;
          await new Promise((r) => setTimeout(r, 50));
          throw new Error('connection closed');
        },
        100,
        (err) => errors.push(err),
      );
      await periodic.stop();
      await vi.advanceTimersByTimeAsync(500);
      expect(passes).toBe(1);
      expect(errors).toEqual([]);
    });
  });
});
