/**
 * Remembers which digest nonce counts (RFC 7616 §3.4: nonce, nc) have been used, shared
 * by every gateway node, so a captured Authorization header cannot be used again on any
 * node. Implemented on Redis in queues/; in memory for a single process.
 */
export interface NonceCountStore {
  /**
   * Records that `request` (what identifies one SIP request: Call-ID and CSeq) used nc
   * `nc` of `nonce`. Resolves true when the pair is new or was used by this same request
   * (a retransmission), false when another request used it first (a replay).
   * @param ttlSeconds how long the record must outlive the nonce.
   * @throws GW_ERR_REDIS_UNREACHABLE (the Redis store) when it cannot tell.
   */
  claim(nonce: string, nc: string, request: string, ttlSeconds: number): Promise<boolean>;

  /**
   * The key nonces are signed with, the same on every node (created by the first to ask),
   * so a nonce one node issued is valid on the others.
   * @throws GW_ERR_REDIS_UNREACHABLE (the Redis store)
   */
  sharedKey(): Promise<Buffer>;
}
