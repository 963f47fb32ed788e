/**
 * The bound on archive connections per node (`archive.maxConnections`): a folder's lane
 * holds a slot while its connection is open. When none is free, an idle lane (open, with
 * nothing queued) is asked to log out; otherwise the lane waits its turn.
 */

/** What the slots need of a lane to reclaim an idle connection. */
export interface SlotHolder {
  /** True when the lane holds a slot and has nothing to do. */
  isIdle(): boolean;
  /** Logs out and releases the slot. */
  closeIdle(): Promise<void>;
}

export class ArchiveSlots {
  readonly #max: number;
  readonly #holders = new Set<SlotHolder>();
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  get inUse(): number {
    return this.#holders.size;
  }

  /** Resolves once `holder` has a slot (at once if it already has one). */
  async acquire(holder: SlotHolder): Promise<void> {
    while (!this.#holders.has(holder)) {
      if (this.#holders.size < this.#max) {
        this.#holders.add(holder);
        return;
      }
      const idle = [...this.#holders].find((h) => h.isIdle());
      if (idle !== undefined) {
        await idle.closeIdle();
        continue;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  release(holder: SlotHolder): void {
    if (this.#holders.delete(holder)) this.#waiting.shift()?.();
  }

  /** Wakes a waiter so it can reclaim a lane that just went idle. */
  nudge(): void {
    this.#waiting.shift()?.();
  }
}
