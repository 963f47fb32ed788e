/**
 * Herald's MSRP side (RFC 4975) as the core sees it: answer an SDP offer with a session,
 * hear the messages that arrive in it whole (chunks already joined), send into it. The
 * adapter (adapters/sip/msrp) owns the sockets, the codec and the SDP; the core never
 * sees a frame.
 */

/** What the core allows in a session it accepts (RFC 4975 §8: accept-types, max-size). */
export interface MsrpTerms {
  /** Largest message accepted, announced as SDP `a=max-size` (REQ-CONTENT-1 for sessions). */
  readonly maxMessageBytes: number;
  readonly acceptTypes: readonly string[];
  readonly acceptWrappedTypes: readonly string[];
}

/** One whole message received in a session. */
export interface MsrpIncomingMessage {
  /** The MSRP Message-ID (RFC 4975 §7.1.1), unique within the session. */
  readonly messageId: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** The core's verdict on a message: the MSRP status answered (200, 400, 403, 413, 415). */
export interface MsrpVerdict {
  readonly status: number;
  readonly comment: string;
}

export interface MsrpSessionEvents {
  /** A whole message arrived; the verdict is the response (and REPORT) its sender gets. */
  message(message: MsrpIncomingMessage): Promise<MsrpVerdict>;
  /** The session ended (connection lost past its grace, idle timeout, close()). */
  closed(reason: string): void;
}

export interface MsrpSession {
  readonly id: string;
  /**
   * Sends one message (chunked as needed) and resolves once the peer answered 200 to
   * every chunk.
   * @throws GW_ERR_MSRP_SEND_FAILED when the session has no connection, the peer refuses,
   *   or no answer comes in time.
   */
  send(contentType: string, body: Buffer): Promise<void>;
  /** Ends the session and its connection; idempotent. */
  close(reason: string): Promise<void>;
}

export interface MsrpAnswer {
  /** The SDP answer for the 200 to the INVITE. */
  readonly sdp: string;
  readonly session: MsrpSession;
  /** The session runs over TLS (msrps). */
  readonly secure: boolean;
}

export interface MsrpEndpoint {
  /**
   * Accepts the MSRP stream of an SDP offer: a new session bound to Herald's path.
   * @throws GW_ERR_SDP_UNACCEPTABLE when the offer has no usable MSRP stream or asks for
   *   a transport Herald does not serve (msrps without TLS configured).
   */
  answer(offerSdp: string, terms: MsrpTerms, events: MsrpSessionEvents): Promise<MsrpAnswer>;
  /** This node as its MSRP URIs name it (host:port of the TCP listener), once started. */
  node(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
