/**
 * The ledger's record of MSRP sessions (session mode): which session a message came in,
 * and the session itself (who, to whom, over what, when it started and ended). Written by
 * the session service, read by the admin API and the archive. Not on the message path: a
 * session message is stored like a page-mode one first, and linked to its session after.
 */

/** One MSRP session as the ledger keeps it. */
export interface MsrpSessionRecord {
  /** Herald's MSRP session id (the last segment of Herald's MSRP URI). */
  readonly id: string;
  /** The INVITE's Call-ID: the SIP dialog the session belongs to. */
  readonly callId: string;
  /** Who invited (the INVITE's From). */
  readonly imUser: string;
  /** Where the session goes, as routed (tel:+E164 or mailto:…). */
  readonly farParty: string;
  readonly largeMessageMode: boolean;
  /** Over TLS (msrps). */
  readonly secure: boolean;
  /**
   * The node that held it: the host:port of its MSRP listener as its URIs name it, unique
   * per node (a peer must reach it). A node starting again on the same address ends what
   * its predecessor left open.
   */
  readonly node: string;
  readonly startedAt: Date;
  /** Unset while the session is open, or when its process died before it ended. */
  readonly endedAt?: Date | undefined;
  /** Why it ended: BYE, shutdown, no connection, large message delivered, … */
  readonly endReason?: string | undefined;
}

export interface MsrpSessionStore {
  /** Records a session Herald accepted. @throws GW_ERR_DB_UNREACHABLE */
  opened(session: MsrpSessionRecord): Promise<void>;
  /** Records its end; a second call changes nothing. @throws GW_ERR_DB_UNREACHABLE */
  ended(sessionId: string, at: Date, reason: string): Promise<void>;
  /**
   * Ends every session of `node` still open: run when that node starts, so sessions its
   * previous process held (and lost with it) do not stay open in the record.
   * @returns how many were ended. @throws GW_ERR_DB_UNREACHABLE
   */
  endOrphans(node: string, at: Date, reason: string): Promise<number>;
  /** Links a stored message to the session it came in; idempotent (a resent message). @throws GW_ERR_DB_UNREACHABLE */
  linkMessage(sessionId: string, messageId: string): Promise<void>;
  /** The session each of these messages came in (messages of none are absent). @throws GW_ERR_DB_UNREACHABLE */
  ofMessages(messageIds: readonly string[]): Promise<ReadonlyMap<string, MsrpSessionRecord>>;
}
