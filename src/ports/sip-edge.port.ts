/** The transport a SIP request arrived on or leaves by. */
export type SipTransport = 'udp' | 'tcp' | 'tls';

export interface SipNameAddr {
  readonly uri: string;
  readonly displayName?: string | undefined;
  readonly tag?: string | undefined;
}

/**
 * A request as the core sees it, whatever edge (standalone or drachtio) received it.
 * Header names are lower-case; a header that appears several times (or comma-separated
 * values) keeps each occurrence as given.
 */
export interface SipIncomingRequest {
  readonly method: string;
  readonly requestUri: string;
  readonly from: SipNameAddr;
  readonly to: SipNameAddr;
  readonly callId: string;
  readonly cseq: number;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  readonly source: { readonly address: string; readonly port: number; readonly transport: SipTransport };
}

/** The final response the core wants sent for a request. */
export interface SipReply {
  readonly status: number;
  readonly reason: string;
  /** Extra headers, e.g. Accept, Retry-After, WWW-Authenticate, Warning. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly contentType?: string | undefined;
  readonly body?: Buffer | string | undefined;
  /**
   * The To tag of a final answer that makes a dialog (a 2xx to INVITE), when the core must
   * know it to send in the dialog later; unset: the edge picks one.
   */
  readonly toTag?: string | undefined;
}

/** A request Herald sends inside a dialog it accepted (BYE ending a session). */
export interface SipInDialogRequest {
  readonly method: 'BYE';
  /** The peer's Contact from the INVITE (RFC 3261 §12.1.1 remote target). */
  readonly requestUri: string;
  readonly callId: string;
  /** Herald's side: the INVITE's To URI and the tag Herald answered with. */
  readonly local: SipNameAddr;
  /** The peer's side: the INVITE's From URI and tag. */
  readonly remote: SipNameAddr;
  readonly cseq: number;
}

export type SipRequestHandler = (request: SipIncomingRequest) => Promise<SipReply>;

/** A page-mode MESSAGE Herald originates (MO relay, IMDN). */
export interface SipOutgoingMessage {
  readonly requestUri: string;
  readonly from: SipNameAddr;
  readonly to: SipNameAddr;
  readonly contentType: string;
  readonly body: Buffer | string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Digest credentials to answer a 401/407 challenge with (REQ-DISNOT-8). */
  readonly credentials?: { readonly username: string; readonly password: string } | undefined;
}

/** The final response to a MESSAGE Herald sent (408 when the transaction timed out). */
export interface SipFinalResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

/**
 * Herald's SIP front door. Adapters: `drachtio` (production, drachtio-srf) and
 * `standalone` (Herald's own parser and transactions). Both hand the core the same typed request and put the
 * same reply on the wire.
 */
export interface SipEdge {
  /** Starts listening; every MESSAGE and OPTIONS goes to `handler`. */
  start(handler: SipRequestHandler): Promise<void>;
  /** Sends one MESSAGE and resolves with its final response; never retries by itself. */
  send(message: SipOutgoingMessage): Promise<SipFinalResponse>;
  /** Sends a request inside a dialog (edges that serve sessions); resolves with its final response. */
  sendInDialog?(request: SipInDialogRequest): Promise<SipFinalResponse>;
  /** Whether the edge is up (e.g. connected to drachtio-server). */
  isReady(): boolean;
  /** Where the edge listens, when it owns the sockets (the standalone edge; port 0 resolved). */
  address?(): { readonly host: string; readonly port: number };
  stop(): Promise<void>;
}
