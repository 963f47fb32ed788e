/**
 * Receipts whose SMSC message id matches no stored segment yet: the receipt raced its
 * submit_sm_resp, or the id is unknown. They are kept in the ledger (not in memory) so a
 * segment stored on any node, or later, still finds its receipt.
 */

export interface NewHeldReceipt {
  readonly connectionId: string;
  /** Already normalised for the connection, like segments.smsc_message_id. */
  readonly smscMessageId: string;
  /** The parsed receipt as plain JSON (the core revives it). */
  readonly receipt: Readonly<Record<string, unknown>>;
  readonly expiresAt: Date;
}

export interface StoredHeldReceipt extends NewHeldReceipt {
  readonly id: string;
  readonly receivedAt: Date;
}

export interface HeldReceiptStore {
  /** @throws GW_ERR_DB_UNREACHABLE */
  hold(receipt: NewHeldReceipt): Promise<StoredHeldReceipt>;
  /** Held receipts for one id, oldest first. @throws GW_ERR_DB_UNREACHABLE */
  forMessage(connectionId: string, smscMessageId: string): Promise<readonly StoredHeldReceipt[]>;
  /** A page of held receipts by id, for the periodic re-match. @throws GW_ERR_DB_UNREACHABLE */
  list(limit: number, afterId?: string): Promise<readonly StoredHeldReceipt[]>;
  /**
   * Takes a held receipt for `leaseMs` so only this caller applies it (the holder's
   * re-check, the submit worker and every node's sweep all look at it); false when another
   * holds an unexpired claim or the row is gone. A claimer that crashes before releasing
   * leaves it to the next claim after the lease.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  claim(id: string, leaseMs: number): Promise<boolean>;
  /** Deletes one (matched or expired); false when another node already did. @throws GW_ERR_DB_UNREACHABLE */
  release(id: string): Promise<boolean>;
  /** Number held now (for /readyz and metrics). @throws GW_ERR_DB_UNREACHABLE */
  count(): Promise<number>;
}
