import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomPoolBytes } from '../../../src/domain/random-pool.js';

describe('randomPoolBytes', () => {
  it('gives the size asked, across pool refills and above the pooled size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2048 }), { minLength: 1, maxLength: 50 }), (sizes) => {
        for (const size of sizes) expect(randomPoolBytes(size)).toHaveLength(size);
      }),
    );
  });

  it('never hands out the same bytes twice (10,000 ids of 16 bytes, several refills)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(randomPoolBytes(16).toString('hex'));
    expect(seen.size).toBe(10_000);
  });

  it('returns a copy: changing it does not change what comes next', () => {
    const first = randomPoolBytes(16);
    first.fill(0);
    const next = randomPoolBytes(16);
    expect(next.equals(Buffer.alloc(16))).toBe(false);
  });

  it('looks uniformly random (each bit set in 45–55 % of 4,000 draws)', () => {
    const ones = new Array<number>(64).fill(0);
    for (let i = 0; i < 4000; i++) {
      const bytes = randomPoolBytes(8);
      for (let bit = 0; bit < 64; bit++) if (((bytes[bit >> 3] ?? 0) >> (bit & 7)) & 1) ones[bit] = (ones[bit] ?? 0) + 1;
    }
    for (const count of ones) {
      expect(count).toBeGreaterThan(1800);
      expect(count).toBeLessThan(2200);
    }
  });
});
