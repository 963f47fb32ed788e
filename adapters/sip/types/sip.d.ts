/**
 * Types for kirm's `sip` package (0.0.6), covering only what the standalone edge uses.
 * Message text is a latin1 ("binary") string throughout the library: one char per byte.
 */
declare module 'sip' {
  export interface SipUri {
    schema?: string;
    user?: string;
    password?: string;
    host: string;
    port?: number;
    params: Record<string, string | null>;
    headers: Record<string, string>;
  }

  export interface SipAor {
    name?: string;
    uri: string | SipUri;
    params: Record<string, string | null | undefined>;
  }

  export interface SipVia {
    version?: string;
    protocol?: string;
    host?: string;
    port?: number;
    params: Record<string, string | number | null | undefined>;
  }

  export interface SipCSeq {
    seq: number;
    method: string;
  }

  /** Header values: parsed objects for the headers the library knows, strings otherwise. */
  export interface SipHeaders {
    via?: SipVia[];
    /** Parsed on receipt; a string when Herald formats it itself. */
    to?: SipAor | string;
    from?: SipAor | string;
    'call-id'?: string;
    cseq?: SipCSeq;
    'content-length'?: number;
    contact?: SipAor[] | '*';
    route?: SipAor[];
    'www-authenticate'?: Record<string, string>[];
    'proxy-authenticate'?: Record<string, string>[];
    [name: string]: unknown;
  }

  export interface SipMessage {
    method?: string;
    uri?: string | SipUri;
    version?: string;
    status?: number;
    reason?: string;
    headers: SipHeaders;
    content?: string;
  }

  export interface SipRemote {
    protocol: string;
    address: string;
    port: number;
    local?: { address: string; port: number };
  }

  export interface SipStackLogger {
    send?: (message: SipMessage, target: SipRemote) => void;
    recv?: (message: SipMessage, remote: SipRemote) => void;
    error?: (error: unknown) => void;
  }

  export interface SipStackOptions {
    address?: string;
    port?: number;
    publicAddress?: string;
    hostname?: string;
    udp?: boolean;
    tcp?: boolean;
    rport?: boolean;
    maxBytesHeaders?: number;
    maxContentLength?: number;
    logger?: SipStackLogger;
  }

  export interface SipStack {
    send(message: SipMessage, callback?: (response: SipMessage) => void): void;
    destroy(): void;
    hostname(): string;
  }

  export function create(options: SipStackOptions, onRequest: (request: SipMessage, remote: SipRemote) => void): SipStack;
  export function makeResponse(
    request: SipMessage,
    status: number,
    reason?: string,
    extension?: { headers?: Record<string, unknown>; content?: string },
  ): SipMessage;
  export function stringify(message: SipMessage): string;
  export function parseUri(uri: string): SipUri | undefined;
  export function stringifyUri(uri: string | SipUri): string;
  export function generateBranch(): string;
  export function copyMessage(message: SipMessage, deep?: boolean): SipMessage;

  const sip: {
    create: typeof create;
    makeResponse: typeof makeResponse;
    stringify: typeof stringify;
    parseUri: typeof parseUri;
    stringifyUri: typeof stringifyUri;
    generateBranch: typeof generateBranch;
    copyMessage: typeof copyMessage;
  };
  export default sip;
}

declare module 'sip/digest.js' {
  import type { SipMessage } from 'sip';

  export interface DigestClientContext {
    realm?: string;
    nonce?: string;
    proxy?: boolean;
  }

  /** Adds an Authorization/Proxy-Authorization header to `request` answering `challenge`. */
  export function signRequest(
    context: DigestClientContext,
    request: SipMessage,
    challenge: SipMessage,
    credentials: { user: string; password: string; realm: string },
  ): DigestClientContext | null;

  const digest: { signRequest: typeof signRequest };
  export default digest;
}
