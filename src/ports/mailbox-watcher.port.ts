/**
 * What the email channel asks of an IMAP watcher (adapters/imap implements it), and what
 * it hands the watcher: a processor for each new mail and a store for the cursor.
 */

/** Where one mail was found: enough to name it uniquely and forever. */
export interface MailSource {
  /** Watcher key: `user@host/mailbox`, stable across restarts. */
  readonly watcher: string;
  readonly mailbox: string;
  readonly uidValidity: string;
  readonly uid: number;
}

/**
 * Handles one mail. Resolves once its effect is recorded; the watcher then advances its
 * cursor and moves the mail away. It must be idempotent (a crash between the two runs it
 * again) and must throw only for transient trouble (database down): the watcher then
 * stops draining and tries the same mail again later. A malformed or foreign mail is a
 * resolved outcome, never a throw, or it would block the mailbox.
 */
export type MailProcessor = (raw: Buffer, source: MailSource) => Promise<string>;

/** The last mail processed in one mailbox, under one UIDVALIDITY (RFC 3501 §2.3.1.1). */
export interface MailboxCursor {
  readonly uidValidity: string;
  readonly lastUid: number;
}

/** Persists cursors (the ledger implements it). */
export interface MailboxCursorStore {
  /** @throws GW_ERR_DB_UNREACHABLE */
  getCursor(watcher: string): Promise<MailboxCursor | undefined>;
  /**
   * Records that every UID up to `lastUid` is processed. Never moves backwards within one
   * UIDVALIDITY, so two nodes watching one mailbox cannot undo each other.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  saveCursor(watcher: string, cursor: MailboxCursor): Promise<void>;
}

export type MailboxWatcherState = 'stopped' | 'connecting' | 'draining' | 'idling' | 'backoff';

export interface MailboxWatcherStatus {
  readonly watcher: string;
  readonly state: MailboxWatcherState;
  readonly lastError?: string | undefined;
}

export interface MailboxWatchers {
  readonly configured: boolean;
  /** Connects every watcher; resolves at once (connection trouble is retried in the background). */
  start(): void;
  /** Ends every connection; resolves when the mail in hand is processed. Idempotent. */
  stop(): Promise<void>;
  status(): readonly MailboxWatcherStatus[];
}
