/**
 * The part of drachtio-srf 5 the drachtio edge uses, loaded through createRequire. The
 * package's bundled typings (lib/@types) lack message()/options(), type request() wrongly
 * and lean on `any`, so the edge declares its own narrow view here.
 */
import type { EventEmitter } from 'node:events';

export interface SrfSipMessage {
  /** Whole message text as received (wire text once the latin1 wire patch is applied). */
  readonly raw?: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  get(name: string): string | undefined;
}

export interface SrfRequest extends EventEmitter {
  readonly method: string;
  readonly uri: string;
  readonly msg: SrfSipMessage;
  readonly source_address: string;
  readonly source_port: number;
  readonly protocol: string;
  readonly stackTxnId: string;
  /** drachtio-server's dialog id: set on requests inside a dialog it holds. */
  readonly stackDialogId?: string;
  /**
   * `network`, or `application` for a request drachtio-server made itself and only reports
   * (an "unsolicited" BYE when it tore a dialog down: ACK timeout, session timer); srf
   * makes res.send a no-op for those.
   */
  readonly source?: string;
  /** The connection to drachtio-server the request came on. */
  readonly socket: import('node:net').Socket;
  get(name: string): string | undefined;
  on(event: 'response', listener: (response: SrfResponse) => void): this;
}

export interface SrfResponse {
  readonly status: number;
  readonly reason?: string;
  readonly msg: SrfSipMessage;
  /** Set once a 2xx to INVITE was sent: the dialog drachtio-server made (from its answer's meta). */
  readonly stackDialogId?: string;
  /** `sent` is the response as drachtio-server put it on the wire (its own To tag, Contact). */
  send(
    status: number,
    reason: string,
    options: { headers?: Record<string, string>; body?: string },
    callback?: (err: unknown, sent?: SrfSipMessage) => void,
  ): void;
}

export type SrfMiddleware = (req: SrfRequest, res: SrfResponse) => void;

export interface SrfRequestOptions {
  method: string;
  headers: Record<string, string>;
  /** A request inside this dialog: drachtio-server builds Request-URI, tags and CSeq. */
  stackDialogId?: string;
  body?: string;
  auth?: { username: string; password: string };
  /** Send through this proxy (drachtio-server's outbound proxy for the request). */
  proxy?: string;
}

export interface SrfConnectOptions {
  host: string;
  port: number;
  secret: string;
  reconnect?: { retryMaxDelay?: number };
}

export interface SrfListenOptions {
  port: number;
  host?: string;
  secret: string;
}

export interface Srf extends EventEmitter {
  connect(options: SrfConnectOptions): unknown;
  listen(options: SrfListenOptions): import('node:net').Server;
  disconnect(): void;
  message(handler: SrfMiddleware): void;
  options(handler: SrfMiddleware): void;
  /** Routes requests of `method` (lower case) to `handler`; srf tells drachtio-server once connected. */
  use(method: string, handler: SrfMiddleware): void;
  request(uri: string, options: SrfRequestOptions, callback: (err: unknown, req?: SrfRequest) => void): void;
  /**
   * On the connection `socket` (the one holding a dialog). In a dialog the URI may be
   * `sip:placeholder`: drachtio-server puts the dialog's remote target in its place.
   */
  request(socket: import('node:net').Socket, uri: string, options: SrfRequestOptions, callback: (err: unknown, req?: SrfRequest) => void): void;
  on(event: 'connect', listener: (err: Error | null, hostport?: string) => void): this;
  on(event: 'error' | 'close' | 'reconnecting' | 'listening', listener: (...args: unknown[]) => void): this;
}

export type SrfConstructor = new () => Srf;

/** drachtio-srf/lib/wire-protocol.js: the framing class the binary-safe patch replaces methods of. */
export interface WireProtocolPrototype {
  send(this: WireProtocolInstance, socket: import('node:net').Socket, msg: string): string;
  _onData(this: WireProtocolInstance, socket: import('node:net').Socket, data: Buffer): void;
}

export interface WireProtocolInstance extends EventEmitter {
  readonly isServer: unknown;
  mapIncomingMsg: Map<import('node:net').Socket, { incomingMsg: Buffer; length: number }>;
  disconnect(socket: import('node:net').Socket): void;
}
