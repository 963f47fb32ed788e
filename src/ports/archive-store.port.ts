/**
 * The archive's records in the ledger (migrations 0007, 0021): the work list of messages
 * with something left to archive, the per-message claim that keeps two nodes from
 * appending the same message at once, the owner of each conversation's root mail, and the
 * items already appended.
 */

/** What {@link ArchiveStore.claim} found. */
export type ArchiveClaim =
  /** Nothing due: the message is fully archived (or was never due). */
  | { readonly kind: 'none' }
  /** Another worker holds the message until `until`. */
  | { readonly kind: 'busy'; readonly until: Date }
  /** Ours until released; `generation` (never repeated for a message) is passed back to {@link ArchiveStore.release}. */
  | { readonly kind: 'claimed'; readonly generation: number };

/** One appended copy, as recorded after the server confirmed it (or showed it already had it). */
export interface ArchivedItem {
  /** Account, folder and RFC Message-ID: the copy's identity. */
  readonly itemKey: string;
  readonly messageId: string;
  readonly mailbox: string;
  readonly rfcMessageId: string;
  readonly uidValidity?: string | undefined;
  readonly uid?: number | undefined;
}

/** How far the archive is behind. */
export interface ArchiveLag {
  /** Messages with something not yet archived. */
  readonly count: number;
  /** Since when the oldest of them has been waiting; undefined when none is. */
  readonly oldestSince?: Date | undefined;
}

export interface ArchiveStore {
  /**
   * Marks messages as having something new to archive (keeps the first due time).
   * @returns each message's new generation, in the order given (part of the job id).
   * @throws GW_ERR_DB_UNREACHABLE
   */
  markDue(messageIds: readonly string[]): Promise<readonly number[]>;
  /**
   * Takes the message for `leaseMs` unless a live claim of another owner holds it.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  claim(messageId: string, owner: string, leaseMs: number): Promise<ArchiveClaim>;
  /**
   * Ends the claim; the row is deleted when `done` and no change came since `generation`.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  release(messageId: string, owner: string, generation: number, done: boolean): Promise<void>;
  /** Item keys of the message already archived. @throws GW_ERR_DB_UNREACHABLE */
  archivedKeys(messageId: string): Promise<ReadonlySet<string>>;
  /**
   * Which of the conversation root mails `rootKeys` (item keys) the job of `messageId`
   * appends: those no other message owns, those it owns already, and those whose owner
   * is done (no longer due) without having appended them, taken over. A root already
   * recorded in archive_items is never returned. Exactly one message owns a root at a time.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  claimRoots(messageId: string, rootKeys: readonly string[]): Promise<ReadonlySet<string>>;
  /** Records appended items; recording one twice is a no-op. @throws GW_ERR_DB_UNREACHABLE */
  recordArchived(items: readonly ArchivedItem[]): Promise<void>;
  /** Due messages waiting since before `before`, oldest first (the sweep). @throws GW_ERR_DB_UNREACHABLE */
  listDue(before: Date, limit: number): Promise<readonly { readonly messageId: string; readonly generation: number }[]>;
  /** @throws GW_ERR_DB_UNREACHABLE */
  lag(): Promise<ArchiveLag>;
}
