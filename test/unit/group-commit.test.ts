import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/group-commit.js';
import { Mutex } from '../../src/ledger/pglite-dialect.js';

interface Op {
  readonly key: string;
  readonly n: number;
}

/** A flush that records its batches and settles when told, failing the batches marked to fail. */
function recorder(failBatch: (index: number) => boolean = () => false) {
  const batches: Op[][] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const flush = async (ops: readonly Op[]): Promise<readonly number[]> => {
    const index = batches.length;
    batches.push([...ops]);
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    if (failBatch(index)) throw new Error(`batch ${index} failed`);
    return ops.map((op) => op.n * 10);
  };
  return { batches, flush, mostInFlight: () => mostInFlight };
}

describe('GroupCommit', () => {
  it('flushes ops submitted in one tick together, at once when idle', async () => {
    const rec = recorder();
    const commit = new GroupCommit<Op, number>({ flush: rec.flush, keyOf: (op) => op.key });
    const results = await Promise.all([1, 2, 3].map((n) => commit.submit({ key: `k${n}`, n })));
    expect(results).toEqual([10, 20, 30]);
    expect(rec.batches.map((b) => b.map((op) => op.n))).toEqual([[1, 2, 3]]);
  });

  it('gathers the ops that arrive during a flush into the next one', async () => {
    const rec = recorder();
    const commit = new GroupCommit<Op, number>({ flush: rec.flush, keyOf: (op) => op.key });
    const first = commit.submit({ key: 'a', n: 1 });
    await Promise.resolve(); // the first flush has started
    await new Promise((resolve) => setTimeout(resolve, 0));
    const later = [2, 3, 4].map((n) => commit.submit({ key: `k${n}`, n }));
    await Promise.all([first, ...later]);
    expect(rec.batches.length).toBeLessThanOrEqual(2);
    expect(rec.batches.flat().map((op) => op.n).sort()).toEqual([1, 2, 3, 4]);
  });

  describe('with one connection shared by every kind of flush (acquire)', () => {
    /** A connection someone else holds until `release()`, and a flush that records its batches. */
    const heldConnection = () => {
      const lock = new Mutex();
      const batches: number[][] = [];
      const flush = async (ops: readonly Op[]): Promise<readonly number[]> => (batches.push(ops.map((op) => op.n)), ops.map((op) => op.n));
      return { lock, batches, flush };
    };
    const submitWhileHeld = async (commit: GroupCommit<Op, number>, lock: Mutex): Promise<number[]> => {
      const release = await lock.lock();
      const results: Promise<number>[] = [];
      for (const n of [1, 2, 3]) {
        results.push(commit.submit({ key: `k${n}`, n }));
        await new Promise((resolve) => setImmediate(resolve)); // each from its own I/O callback
      }
      release();
      return Promise.all(results);
    };

    it('takes its batch once it holds the connection, so what arrived while it waited goes along', async () => {
      const { lock, batches, flush } = heldConnection();
      const commit = new GroupCommit<Op, number>({ flush, keyOf: (op) => op.key, acquire: () => lock.lock() });
      expect(await submitWhileHeld(commit, lock)).toEqual([1, 2, 3]);
      expect(batches).toEqual([[1, 2, 3]]);
    });

    it('would take the first op alone when it queued for the connection with its batch taken (why PGlite acquires)', async () => {
      const { lock, batches, flush } = heldConnection();
      const queued = async (ops: readonly Op[]): Promise<readonly number[]> => {
        const release = await lock.lock();
        try {
          return await flush(ops);
        } finally {
          release();
        }
      };
      const commit = new GroupCommit<Op, number>({ flush: queued, keyOf: (op) => op.key });
      expect(await submitWhileHeld(commit, lock)).toEqual([1, 2, 3]);
      expect(batches).toEqual([[1], [2, 3]]);
    });
  });

  it('rejects every op of a failed flush with its error and goes on with the next', async () => {
    const rec = recorder((index) => index === 0);
    const commit = new GroupCommit<Op, number>({ flush: rec.flush, keyOf: (op) => op.key });
    const a = commit.submit({ key: 'a', n: 1 });
    const b = commit.submit({ key: 'b', n: 2 });
    const c = commit.submit({ key: 'a', n: 3 }); // same key: next flush
    await expect(a).rejects.toThrow('batch 0 failed');
    await expect(b).rejects.toThrow('batch 0 failed');
    await expect(c).resolves.toBe(30);
  });

  it('caps a flush at maxBatch', async () => {
    const rec = recorder();
    const commit = new GroupCommit<Op, number>({ flush: rec.flush, keyOf: (op) => op.key, maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, n) => commit.submit({ key: `k${n}`, n })));
    expect(rec.batches.map((b) => b.length)).toEqual([4, 4, 2]);
  });

  it('settles every op once, never runs two flushes at once, never puts a key twice in a flush, keeps each key in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), gap: fc.boolean() }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.func(fc.boolean()),
        async (script, maxBatch, fails) => {
          const rec = recorder((index) => fails(index) && index % 3 === 0);
          const sizes: number[] = [];
          const commit = new GroupCommit<Op, number>({ flush: rec.flush, keyOf: (op) => op.key, maxBatch, onFlush: (size) => sizes.push(size) });
          const settled: Promise<'ok' | 'failed'>[] = [];
          for (const [n, step] of script.entries()) {
            settled.push(commit.submit({ key: step.key, n }).then((value) => (expect(value).toBe(n * 10), 'ok' as const), () => 'failed' as const));
            if (step.gap) await new Promise((resolve) => setImmediate(resolve));
          }
          const outcomes = await Promise.all(settled);
          await commit.idle();
          expect(outcomes).toHaveLength(script.length);
          expect(rec.mostInFlight()).toBe(1);
          expect(sizes).toEqual(rec.batches.map((b) => b.length));
          const flushed = rec.batches.flat().map((op) => op.n);
          expect([...flushed].sort((x, y) => x - y)).toEqual(script.map((_, n) => n));
          for (const batch of rec.batches) {
            expect(batch.length).toBeLessThanOrEqual(maxBatch);
            expect(new Set(batch.map((op) => op.key)).size).toBe(batch.length);
          }
          for (const key of ['a', 'b', 'c', 'd', 'e']) {
            const order = flushed.filter((n) => script[n]?.key === key);
            expect(order).toEqual([...order].sort((x, y) => x - y));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
