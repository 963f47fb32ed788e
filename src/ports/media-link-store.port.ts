/**
 * Links to non-text content sent to SMS recipients (`media.linkMode`, migration 0006).
 * The content itself is the message's body; a link names the message by a token.
 */
import type { StoredMessage } from '../domain/message.js';

export interface MediaLink {
  readonly token: string;
  readonly messageId: string;
  readonly expiresAt: Date;
}

export interface MediaLinkStore {
  /**
   * The message's link, created with `token` and `expiresAt` on first call; later calls
   * (a retried job, another recipient) return the first one. Idempotent per message.
   * @throws GW_ERR_LEDGER_NOT_FOUND when the message does not exist; GW_ERR_DB_UNREACHABLE
   */
  linkFor(messageId: string, token: string, expiresAt: Date): Promise<MediaLink>;
  /**
   * The link and its message, for serving it.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  resolve(token: string): Promise<{ readonly link: MediaLink; readonly message: StoredMessage } | undefined>;
}
