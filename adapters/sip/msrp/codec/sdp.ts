/**
 * The SDP Herald reads and writes for MSRP sessions (RFC 4975 §8, RFC 6135 §4): the offer's
 * `m=message <port> TCP/MSRP *` stream with its path, accept-types, max-size and setup, and
 * the answer that names Herald's own path. Other streams (audio in a combined offer) are
 * answered rejected (port 0), as RFC 3264 §6 has it.
 */
import { heraldError } from '../../../../src/errors.js';
import { parseFingerprint, serializeFingerprint, type SdpFingerprint } from './fingerprint.js';
import { parseMsrpUri } from './msrp-uri.js';

/** RFC 6135 §4.2: who opens the TCP connection. */
export type MsrpSetup = 'active' | 'passive' | 'actpass';

export interface MsrpOffer {
  /** The offerer's MSRP URIs (a=path), its own last (RFC 4975 §8.1 reads it right to left). */
  readonly path: readonly string[];
  readonly acceptTypes: readonly string[];
  readonly acceptWrappedTypes: readonly string[];
  readonly maxSize?: number | undefined;
  /** Absent means active: the offerer connects (RFC 6135 §4.2). */
  readonly setup: MsrpSetup;
  readonly secure: boolean;
  /** RFC 6714 §4: the offerer supports CEMA (`a=msrp-cema` on the MSRP stream). */
  readonly cema: boolean;
  /**
   * The certificate fingerprints the offerer's TLS connection must present (RFC 4975 §14.2,
   * RFC 8122 §5): the MSRP stream's `a=fingerprint` lines, else the session-level ones.
   * Empty when there are none.
   */
  readonly fingerprints: readonly SdpFingerprint[];
  /**
   * The stream's transport address from SDP: the c= line (media level over session level,
   * RFC 4566 §5.7) and the m= port. Undefined when the offer has no c= line.
   */
  readonly connection?: { readonly host: string; readonly port: number } | undefined;
  /** Every m= line of the offer, in order, so the answer has one per line (RFC 3264 §6). */
  readonly mediaLines: readonly string[];
  /** Index of the MSRP stream among mediaLines. */
  readonly msrpIndex: number;
}

export interface MsrpAnswer {
  readonly originHost: string;
  readonly sessionVersion: number;
  readonly path: readonly string[];
  readonly port: number;
  readonly acceptTypes: readonly string[];
  readonly acceptWrappedTypes: readonly string[];
  readonly maxSize: number;
  readonly setup: 'active' | 'passive';
  readonly secure: boolean;
  /** Answer `a=msrp-cema` (RFC 6714 §4.2: only when the offer has it). */
  readonly cema?: boolean | undefined;
  /** Herald's certificate fingerprint, for msrps (RFC 4975 §14.2). */
  readonly fingerprint?: SdpFingerprint | undefined;
}

/** SDP bodies are small (one or two streams); a bigger one is refused before it is split. */
export const MAX_SDP_BYTES = 8_192;

const MEDIA = /^m=(\S+) (\d{1,5})(?:\/\d+)? (\S+)(?: (.*))?$/;
/** RFC 4566 §5.7 `c=IN IP4|IP6 <address>` (a TTL or count after a slash is for multicast and ignored). */
const CONNECTION = /^c=IN IP[46] ([0-9A-Za-z.:-]{1,253})(?:\/\d+)*$/;

function refuse(detail: string): never {
  throw heraldError('GW_ERR_SDP_UNACCEPTABLE', detail);
}

/**
 * Reads the MSRP stream of an SDP offer.
 * @throws GW_ERR_SDP_UNACCEPTABLE when the SDP is too large, has no usable
 *   `m=message … TCP/MSRP` (or `TCP/TLS/MSRP`) stream, that stream has no a=path, or an
 *   `a=fingerprint` (of the stream or the session) is malformed.
 */
export function parseMsrpOffer(sdp: string): MsrpOffer {
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES) refuse('SDP over 8 KB');
  const lines = sdp.split(/\r?\n/).filter((l) => l !== '');
  if (lines[0] !== 'v=0') refuse('SDP does not start with v=0');
  const mediaLines: string[] = [];
  let msrpIndex = -1;
  let secure = false;
  let mediaPort = 0;
  let sessionHost: string | undefined;
  let mediaHost: string | undefined;
  const attributes: string[] = [];
  const sessionAttributes: string[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      mediaLines.push(line);
      const media = MEDIA.exec(line);
      const isMsrp = media !== null && media[1] === 'message' && (media[3] === 'TCP/MSRP' || media[3] === 'TCP/TLS/MSRP') && media[2] !== '0';
      if (isMsrp && msrpIndex === -1) {
        msrpIndex = mediaLines.length - 1;
        secure = media?.[3] === 'TCP/TLS/MSRP';
        mediaPort = Number(media?.[2]);
      }
      continue;
    }
    const inMsrp = msrpIndex === mediaLines.length - 1 && msrpIndex !== -1;
    if (line.startsWith('c=')) {
      const host = CONNECTION.exec(line)?.[1];
      if (mediaLines.length === 0) sessionHost = host;
      else if (inMsrp) mediaHost = host;
      continue;
    }
    if (inMsrp && line.startsWith('a=')) attributes.push(line.slice(2));
    else if (mediaLines.length === 0 && line.startsWith('a=')) sessionAttributes.push(line.slice(2));
  }
  if (msrpIndex === -1) refuse('no m=message TCP/MSRP stream');
  const attr = (name: string): string | undefined => attributes.find((a) => a.startsWith(`${name}:`))?.slice(name.length + 1).trim();
  const path = (attr('path') ?? '').split(' ').filter((p) => p !== '');
  if (path.length === 0) refuse('MSRP stream without a=path');
  const maxSizeText = attr('max-size');
  const maxSize = maxSizeText !== undefined && /^\d{1,15}$/.test(maxSizeText) ? Number(maxSizeText) : undefined;
  const setupText = attr('setup');
  const setup: MsrpSetup = setupText === 'passive' || setupText === 'actpass' ? setupText : 'active';
  const list = (name: string): string[] => (attr(name) ?? '').split(' ').filter((t) => t !== '').map((t) => t.toLowerCase());
  const cema = attributes.some((a) => a.trim().toLowerCase() === 'msrp-cema');
  // RFC 8122 §5: a media-level a=fingerprint overrides the session-level ones.
  const fingerprintsOf = (list: readonly string[]): SdpFingerprint[] => list.filter((a) => a.toLowerCase().startsWith('fingerprint:')).map((a) => parseFingerprint(a.slice('fingerprint:'.length)));
  const mediaFingerprints = fingerprintsOf(attributes);
  const fingerprints = mediaFingerprints.length > 0 ? mediaFingerprints : fingerprintsOf(sessionAttributes);
  const host = mediaHost ?? sessionHost;
  const connection = host === undefined || mediaPort < 1 || mediaPort > 65_535 ? undefined : { host, port: mediaPort };
  return { path, acceptTypes: list('accept-types'), acceptWrappedTypes: list('accept-wrapped-types'), maxSize, setup, secure, cema, fingerprints, connection, mediaLines, msrpIndex };
}

/** An answer to `offer`: the MSRP stream accepted with Herald's values, every other stream rejected. */
export function serializeMsrpAnswer(offer: MsrpOffer, answer: MsrpAnswer): string {
  const lines = [
    'v=0',
    `o=herald ${answer.sessionVersion} ${answer.sessionVersion} IN ${answer.originHost.includes(':') ? 'IP6' : 'IP4'} ${answer.originHost}`,
    's=-',
    `c=IN ${answer.originHost.includes(':') ? 'IP6' : 'IP4'} ${answer.originHost}`,
    't=0 0',
  ];
  offer.mediaLines.forEach((line, index) => {
    const media = MEDIA.exec(line);
    if (index !== offer.msrpIndex) {
      lines.push(`m=${media?.[1] ?? 'audio'} 0 ${media?.[3] ?? 'RTP/AVP'} ${media?.[4] ?? '0'}`);
      return;
    }
    lines.push(`m=message ${answer.port} ${answer.secure ? 'TCP/TLS/MSRP' : 'TCP/MSRP'} *`);
    lines.push(`a=accept-types:${answer.acceptTypes.join(' ')}`);
    if (answer.acceptWrappedTypes.length > 0) lines.push(`a=accept-wrapped-types:${answer.acceptWrappedTypes.join(' ')}`);
    lines.push(`a=max-size:${answer.maxSize}`);
    lines.push(`a=setup:${answer.setup}`);
    if (answer.cema === true) lines.push('a=msrp-cema');
    if (answer.fingerprint !== undefined) lines.push(`a=fingerprint:${serializeFingerprint(answer.fingerprint)}`);
    lines.push(`a=path:${answer.path.join(' ')}`);
  });
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Where Herald opens the TCP connection when it is the active side. RFC 4975 §8.1: the
 * first URI of the offer's a=path. RFC 6714 §4.2: with CEMA supported by both sides (the
 * offer has `a=msrp-cema`, and Herald answers it), the SDP c=/m= address instead, which is
 * where a middlebox anchoring the connection listens; the path URIs still name the hops
 * in To-Path.
 * @throws GW_ERR_MSRP_MALFORMED when the path's first URI is not an MSRP URI (no CEMA).
 */
export function connectTarget(offer: MsrpOffer): { host: string; port: number } {
  if (offer.cema && offer.connection !== undefined) return offer.connection;
  const first = parseMsrpUri(offer.path[0] ?? '');
  return { host: first.host, port: first.port };
}

/** RFC 6135 §4.2: Herald listens unless the offerer will only listen itself. */
export function answerSetup(offer: MsrpSetup): 'active' | 'passive' {
  return offer === 'passive' ? 'active' : 'passive';
}
