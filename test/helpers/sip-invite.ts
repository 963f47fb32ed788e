/**
 * The one builder of session-mode SIP requests for raw-socket tests (INVITE and what goes
 * with it: ACK, BYE, UPDATE, CANCEL) and of the SDP offers they carry, so every test that
 * sends such bytes by hand shares one spelling of them.
 */
import { randomBytes } from 'node:crypto';

export interface RawInviteOptions {
  /** @defaultValue 'INVITE' */
  readonly method?: string;
  readonly requestUri: string;
  /** @defaultValue 'UDP' */
  readonly transport?: 'UDP' | 'TCP';
  /** The sender's address in Via and Contact. @defaultValue 127.0.0.1:5999 */
  readonly via?: { readonly host: string; readonly port: number };
  /** @defaultValue z9hG4bK + random */
  readonly branch?: string;
  /** @defaultValue sip:alice@127.0.0.1 */
  readonly from?: string;
  /** @defaultValue random */
  readonly fromTag?: string;
  /** To tag: set inside a dialog (ACK of a 2xx, BYE, refreshes). */
  readonly toTag?: string;
  /** @defaultValue random @test */
  readonly callId?: string;
  /** CSeq number; the method is the request's unless `cseqMethod` says otherwise. @defaultValue 1 */
  readonly cseq?: number;
  readonly cseqMethod?: string;
  /** Extra header lines. */
  readonly headers?: readonly string[];
  /** @defaultValue 'application/sdp' when there is a body */
  readonly contentType?: string;
  readonly body?: Buffer | string;
  /** Overrides the counted Content-Length (malformed-input tests). */
  readonly contentLength?: string;
}

/** The request as bytes, CRLF line ends, Content-Length counted unless overridden. */
export function buildInvite(options: RawInviteOptions): Buffer {
  const method = options.method ?? 'INVITE';
  const via = options.via ?? { host: '127.0.0.1', port: 5999 };
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'latin1');
  const from = options.from ?? 'sip:alice@127.0.0.1';
  const head = [
    `${method} ${options.requestUri} SIP/2.0`,
    `Via: SIP/2.0/${options.transport ?? 'UDP'} ${via.host}:${via.port};branch=${options.branch ?? `z9hG4bK${randomBytes(6).toString('hex')}`};rport`,
    'Max-Forwards: 70',
    `From: <${from}>;tag=${options.fromTag ?? randomBytes(4).toString('hex')}`,
    `To: <${options.requestUri}>${options.toTag === undefined ? '' : `;tag=${options.toTag}`}`,
    `Call-ID: ${options.callId ?? `${randomBytes(8).toString('hex')}@test`}`,
    `CSeq: ${options.cseq ?? 1} ${options.cseqMethod ?? method}`,
    `Contact: <${from.replace(/@[^;>]*/, `@${via.host}:${via.port}`)}>`,
    ...(options.headers ?? []),
    ...(body.length > 0 || options.contentType !== undefined ? [`Content-Type: ${options.contentType ?? 'application/sdp'}`] : []),
    `Content-Length: ${options.contentLength ?? body.length}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export interface OfferOptions {
  /** @defaultValue 'm=message 9 TCP/MSRP *' */
  readonly media?: string;
  /** a= lines of the MSRP stream (without `a=`); default accept-types, setup and path. */
  readonly attributes?: readonly string[];
  /** Session-level lines replacing `v=0 … t=0 0`. */
  readonly session?: readonly string[];
}

/** An SDP offer for an MSRP stream (RFC 4975 §8), each part replaceable for refusal tests. */
export function msrpOffer(options: OfferOptions = {}): string {
  const session = options.session ?? ['v=0', 'o=alice 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
  const attributes = options.attributes ?? ['accept-types:message/cpim text/plain', 'setup:active', `path:msrp://127.0.0.1:9/${randomBytes(6).toString('hex')};tcp`];
  return [...session, options.media ?? 'm=message 9 TCP/MSRP *', ...attributes.map((a) => `a=${a}`), ''].join('\r\n');
}
