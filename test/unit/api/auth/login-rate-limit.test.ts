import { describe, expect, it } from 'vitest';
import { LoginRateLimiter } from '../../../../src/api/auth/login-rate-limit.js';

function limiter(capacity = 3, refillMs = 10_000, maxTracked?: number) {
  let now = 1_000_000;
  const rl = new LoginRateLimiter({ capacity, refillMs, maxTracked, now: () => now });
  return { rl, advance: (ms: number) => (now += ms) };
}

describe('LoginRateLimiter', () => {
  describe('when an address fails less than the burst', () => {
    it('keeps admitting it', () => {
      const { rl } = limiter();
      rl.recordFailure('a');
      rl.recordFailure('a');
      expect(rl.admit('a')).toEqual({ allowed: true });
    });
  });

  describe('when an address spends the burst', () => {
    it('refuses it with the seconds until one attempt is back, and not other addresses', () => {
      const { rl } = limiter();
      for (let i = 0; i < 3; i++) rl.recordFailure('a');
      expect(rl.admit('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
      expect(rl.admit('b')).toEqual({ allowed: true });
    });

    it('admits it again after the refill time', () => {
      const { rl, advance } = limiter();
      for (let i = 0; i < 3; i++) rl.recordFailure('a');
      advance(5_000);
      expect(rl.admit('a')).toEqual({ allowed: false, retryAfterSeconds: 5 });
      advance(5_000);
      expect(rl.admit('a')).toEqual({ allowed: true });
    });

    it('does not lose tokens when the clock steps back', () => {
      const { rl, advance } = limiter();
      for (let i = 0; i < 3; i++) rl.recordFailure('a');
      advance(10_000);
      expect(rl.admit('a')).toEqual({ allowed: true });
      advance(-60_000);
      expect(rl.admit('a')).toEqual({ allowed: true });
    });
  });

  describe('when more addresses fail than it tracks', () => {
    it('forgets the oldest first', () => {
      const { rl } = limiter(1, 10_000, 2);
      rl.recordFailure('a');
      rl.recordFailure('b');
      rl.recordFailure('c');
      expect(rl.admit('a')).toEqual({ allowed: true });
      expect(rl.admit('c').allowed).toBe(false);
    });
  });
});
