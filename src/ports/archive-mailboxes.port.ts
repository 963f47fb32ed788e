/**
 * What the archive asks of an IMAP store (adapters/imap implements it): append a mail to
 * a folder unless a mail with its Message-ID is already there.
 */

/** Which login an append uses. `key` names it in logs and item keys, never the password. */
export interface ArchiveAccount {
  readonly key: string;
  readonly username: string;
  readonly password: string;
}

export interface ArchiveAppendRequest {
  readonly account: ArchiveAccount;
  /** Folder path, `/` between levels; created when missing. */
  readonly mailbox: string;
  /** `<id@domain>`, also in `raw`: the duplicate check searches for it. */
  readonly rfcMessageId: string;
  readonly raw: Buffer;
  /** INTERNALDATE, so IMAP SEARCH SINCE/BEFORE find the mail by its original time. */
  readonly internalDate: Date;
  /** Herald message id, for logs. */
  readonly msgId: string;
}

export interface ArchiveAppendResult {
  /** True when the folder already held a mail with this Message-ID (nothing appended). */
  readonly existed: boolean;
  readonly uidValidity?: string | undefined;
  readonly uid?: number | undefined;
}

/** Where each mailbox connection is, for /readyz. */
export interface ArchiveMailboxesStatus {
  readonly connections: number;
  /** Last failure of any connection, cleared by the next success. */
  readonly lastError?: string | undefined;
}

export interface ArchiveMailboxes {
  /**
   * Appends unless present. Requests for one folder are batched over that folder's one
   * connection; calls may come concurrently from many jobs.
   * @throws GW_ERR_IMAP_FAILED (transient: server unreachable, refused, timed out)
   */
  append(request: ArchiveAppendRequest): Promise<ArchiveAppendResult>;
  status(): ArchiveMailboxesStatus;
  /** Finishes the batches in hand and logs every connection out. Idempotent. */
  close(): Promise<void>;
}
