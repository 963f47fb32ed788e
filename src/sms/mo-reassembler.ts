/**
 * Reassembly of concatenated MO SMS over the ledger's part store: a part is durable
 * before its deliver_sm is answered, any node may receive any part, and the node that
 * stores the last part (or the timeout sweep) turns the group into a message.
 */
import type { MoPartStore, NewMoPart, StoredMoPart } from '../ports/mo-parts.port.js';

/** A group ready to become a message: complete, or timed out with what arrived. */
export interface MoGroup {
  readonly groupKey: string;
  readonly total: number;
  readonly parts: readonly StoredMoPart[];
  readonly complete: boolean;
}

/** Stale groups handled per sweep. */
const SWEEP_BATCH = 200;

function distinctSeqs(parts: readonly StoredMoPart[]): number {
  return new Set(parts.map((part) => part.seq)).size;
}

/** Keeps MO parts until their group is complete or too old. */
export class MoReassembler {
  readonly #store: MoPartStore;
  readonly #timeoutMs: number;
  readonly #now: () => Date;

  constructor(store: MoPartStore, timeoutMs: number, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#timeoutMs = timeoutMs;
    this.#now = now;
  }

  /**
   * Stores one part (a re-delivered copy is ignored).
   * @returns the group when it is now complete, else undefined.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async add(part: NewMoPart): Promise<MoGroup | undefined> {
    await this.#store.add(part);
    const parts = await this.#store.listGroup(part.groupKey);
    if (distinctSeqs(parts) < part.total) return undefined;
    return { groupKey: part.groupKey, total: part.total, parts, complete: true };
  }

  /**
   * Groups whose first part is older than the timeout, with what arrived.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async expired(): Promise<readonly MoGroup[]> {
    const before = new Date(this.#now().getTime() - this.#timeoutMs);
    const keys = await this.#store.staleGroups(before, SWEEP_BATCH);
    const groups: MoGroup[] = [];
    for (const groupKey of keys) {
      const parts = await this.#store.listGroup(groupKey);
      const total = parts[0]?.total;
      if (total === undefined) continue; // taken by another node meanwhile
      groups.push({ groupKey, total, parts, complete: distinctSeqs(parts) >= total });
    }
    return groups;
  }

  /** Forgets a group's parts once its message is recorded. @throws GW_ERR_DB_UNREACHABLE */
  async done(group: MoGroup): Promise<void> {
    await this.#store.remove(group.parts.map((part) => part.id));
  }
}
