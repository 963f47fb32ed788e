/**
 * Percentiles and per-second series for the report.
 */

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Nearest-rank percentiles of the finite values, in ms rounded to 0.1. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const at = (q: number): number => (sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN));
  return { count: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

/** Counts per whole second since `origin` (index 0 = first second). */
export function perSecond(times: readonly number[], origin: number, seconds: number): number[] {
  const out = new Array<number>(seconds).fill(0);
  for (const t of times) {
    const i = Math.floor((t - origin) / 1000);
    if (i >= 0 && i < seconds) out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}

/** A percentile of the values per whole second of their time stamp (NaN for empty seconds). */
export function percentilePerSecond(pairs: readonly (readonly [number, number])[], origin: number, seconds: number, q: number): number[] {
  const buckets: number[][] = Array.from({ length: seconds }, () => []);
  for (const [t, v] of pairs) {
    const i = Math.floor((t - origin) / 1000);
    if (i >= 0 && i < seconds) buckets[i]?.push(v);
  }
  return buckets.map((bucket) => {
    if (bucket.length === 0) return Number.NaN;
    bucket.sort((a, b) => a - b);
    return round(bucket[Math.min(bucket.length - 1, Math.ceil(q * bucket.length) - 1)] ?? Number.NaN);
  });
}

/** Least-squares slope of y over x (per unit of x). */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] ?? 0;
    sy += ys[i] ?? 0;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    num += dx * ((ys[i] ?? 0) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}

export { round };
