/**
 * The email channel's own records (migration 0005): the mail prepared for each delivery
 * (so a retried job sends the same Message-ID and reply token) and the thread of each
 * conversation (IM sender + email recipient).
 */
import type { MailboxCursorStore } from './mailbox-watcher.port.js';

export interface PrepareMailRequest {
  readonly deliveryId: string;
  /** Candidate values, used only when the delivery has no prepared mail yet. */
  readonly messageId: string;
  readonly replyToken: string;
  /** Conversation key: the IM sender's URI and the recipient address (lower-cased). */
  readonly senderUri: string;
  readonly recipient: string;
}

export interface PreparedMail {
  readonly deliveryId: string;
  readonly messageId: string;
  readonly replyToken: string;
  /** The conversation's previous mail, when there was one. */
  readonly inReplyTo?: string | undefined;
  /** Root first, then the previous mail (RFC 5322 §3.6.4 allows trimming the middle). */
  readonly references: readonly string[];
}

export interface EmailStore extends MailboxCursorStore {
  /**
   * Returns the delivery's prepared mail, creating it (and threading it after the
   * conversation's last mail) on first call. Idempotent per delivery.
   * @throws GW_ERR_LEDGER_NOT_FOUND when the delivery does not exist; GW_ERR_DB_UNREACHABLE
   */
  prepareMail(request: PrepareMailRequest): Promise<PreparedMail>;
}
