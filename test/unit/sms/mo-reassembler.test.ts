import { describe, expect, it } from 'vitest';
import type { MoPartStore, NewMoPart, StoredMoPart } from '../../../src/ports/mo-parts.port.js';
import { MoReassembler } from '../../../src/sms/mo-reassembler.js';

/** The MoPartStore contract in memory, with an injectable clock. */
class MemoryMoPartStore implements MoPartStore {
  readonly parts: StoredMoPart[] = [];
  #id = 0;
  constructor(private readonly now: () => Date) {}
  async add(part: NewMoPart): Promise<boolean> {
    if (this.parts.some((p) => p.groupKey === part.groupKey && p.seq === part.seq)) return false;
    this.parts.push({ ...part, id: String(++this.#id), receivedAt: this.now() });
    return true;
  }
  async listGroup(groupKey: string): Promise<readonly StoredMoPart[]> {
    return this.parts.filter((p) => p.groupKey === groupKey).sort((a, b) => a.seq - b.seq);
  }
  async staleGroups(before: Date, limit: number): Promise<readonly string[]> {
    const first = new Map<string, number>();
    for (const p of this.parts) first.set(p.groupKey, Math.min(first.get(p.groupKey) ?? Infinity, p.receivedAt.getTime()));
    return [...first].filter(([, at]) => at < before.getTime()).sort((a, b) => a[1] - b[1]).slice(0, limit).map(([key]) => key);
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const at = this.parts.findIndex((p) => p.id === id);
      if (at >= 0) this.parts.splice(at, 1);
    }
  }
}

const part = (groupKey: string, seq: number, total = 3): NewMoPart => ({
  groupKey,
  connectionId: 'c',
  source: '+1555',
  destination: '+1666',
  ref: 1,
  total,
  seq,
  dataCoding: 0,
  body: Buffer.from(`p${seq}`),
});

describe('MoReassembler', () => {
  let clock = 0;
  const now = (): Date => new Date(clock);

  describe('when every part arrives', () => {
    it('returns the group complete with the last part, in any order, ignoring copies', async () => {
      const store = new MemoryMoPartStore(now);
      const r = new MoReassembler(store, 60_000, now);
      expect(await r.add(part('g', 3))).toBeUndefined();
      expect(await r.add(part('g', 1))).toBeUndefined();
      expect(await r.add(part('g', 1))).toBeUndefined();
      const group = await r.add(part('g', 2));
      expect(group?.complete).toBe(true);
      expect(group?.parts.map((p) => p.seq)).toEqual([1, 2, 3]);
      await r.done(group!);
      expect(store.parts).toHaveLength(0);
    });
  });

  describe('when parts stop coming', () => {
    it('gives the group up as incomplete only after the timeout, oldest first', async () => {
      clock = 1_000_000;
      const store = new MemoryMoPartStore(now);
      const r = new MoReassembler(store, 60_000, now);
      await r.add(part('old', 1));
      clock += 10_000;
      await r.add(part('new', 2));
      clock += 49_999;
      expect(await r.expired()).toEqual([]);
      clock += 2;
      const [old, ...rest] = await r.expired();
      expect(rest).toEqual([]);
      expect(old).toMatchObject({ groupKey: 'old', total: 3, complete: false });
      clock += 10_000;
      expect((await r.expired()).map((g) => g.groupKey)).toEqual(['old', 'new']);
    });

    it('keeps groups apart by key', async () => {
      const store = new MemoryMoPartStore(now);
      const r = new MoReassembler(store, 60_000, now);
      await r.add(part('a', 1, 2));
      expect(await r.add(part('b', 2, 2))).toBeUndefined();
      expect((await r.add(part('a', 2, 2)))?.groupKey).toBe('a');
    });
  });
});
