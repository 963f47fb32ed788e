/**
 * Parts of concatenated mobile-originated SMS waiting for their siblings. Stored in the
 * ledger before the deliver_sm is acknowledged (durable before acknowledged), and shared
 * by every node, because parts of one message may arrive on different binds.
 */

export interface NewMoPart {
  /** Source, destination, reference and total: the parts of one message share it. */
  readonly groupKey: string;
  readonly connectionId: string;
  readonly source: string;
  readonly destination: string;
  readonly ref: number;
  readonly total: number;
  /** 1-based. */
  readonly seq: number;
  readonly dataCoding: number;
  /** The part's user data, UDH removed. */
  readonly body: Buffer;
}

export interface StoredMoPart extends NewMoPart {
  readonly id: string;
  readonly receivedAt: Date;
}

export interface MoPartStore {
  /**
   * Stores a part. A second copy of the same (groupKey, seq) is ignored (an SMSC
   * re-delivering a part whose resp it missed).
   * @returns whether this call stored it. @throws GW_ERR_DB_UNREACHABLE
   */
  add(part: NewMoPart): Promise<boolean>;
  /** Parts of one group by seq. @throws GW_ERR_DB_UNREACHABLE */
  listGroup(groupKey: string): Promise<readonly StoredMoPart[]>;
  /** Groups whose first part arrived before `before`, oldest first. @throws GW_ERR_DB_UNREACHABLE */
  staleGroups(before: Date, limit: number): Promise<readonly string[]>;
  /** Deletes parts by id once their message is recorded. @throws GW_ERR_DB_UNREACHABLE */
  remove(ids: readonly string[]): Promise<void>;
}
