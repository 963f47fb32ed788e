/**
 * The SDP Herald reads and writes for MSRP sessions (RFC 4975 §8, RFC 6135 §4): the offer's
 * `m=message <port> TCP/MSRP *` stream with its path, accept-types, max-size and setup, and
 * the answer that names Herald's own path. Other streams (audio in a combined offer) are
 * answered rejected (port 0), as RFC 3264 §6 has it.
 */
import { heraldError } from '../../../../src/errors.js';

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
}

/** SDP bodies are small (one or two streams); a bigger one is refused before it is split. */
export const MAX_SDP_BYTES = 8_192;

const MEDIA = /^m=(\S+) (\d{1,5})(?:\/\d+)? (\S+)(?: (.*))?$/;

function refuse(detail: string): never {
  throw heraldError('GW_ERR_SDP_UNACCEPTABLE', detail);
}

/**
 * Reads the MSRP stream of an SDP offer.
 * @throws GW_ERR_SDP_UNACCEPTABLE when the SDP is too large, has no usable
 *   `m=message … TCP/MSRP` (or `TCP/TLS/MSRP`) stream, or that stream has no a=path.
 */
export function parseMsrpOffer(sdp: string): MsrpOffer {
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES) refuse('SDP over 8 KB');
  const lines = sdp.split(/\r?\n/).filter((l) => l !== '');
  if (lines[0] !== 'v=0') refuse('SDP does not start with v=0');
  const mediaLines: string[] = [];
  let msrpIndex = -1;
  let secure = false;
  const attributes: string[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      mediaLines.push(line);
      const media = MEDIA.exec(line);
      const isMsrp = media !== null && media[1] === 'message' && (media[3] === 'TCP/MSRP' || media[3] === 'TCP/TLS/MSRP') && media[2] !== '0';
      if (isMsrp && msrpIndex === -1) {
        msrpIndex = mediaLines.length - 1;
        secure = media?.[3] === 'TCP/TLS/MSRP';
      }
      continue;
    }
    if (msrpIndex === mediaLines.length - 1 && msrpIndex !== -1 && line.startsWith('a=')) attributes.push(line.slice(2));
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
  return { path, acceptTypes: list('accept-types'), acceptWrappedTypes: list('accept-wrapped-types'), maxSize, setup, secure, mediaLines, msrpIndex };
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
    lines.push(`a=path:${answer.path.join(' ')}`);
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** RFC 6135 §4.2: Herald listens unless the offerer will only listen itself. */
export function answerSetup(offer: MsrpSetup): 'active' | 'passive' {
  return offer === 'passive' ? 'active' : 'passive';
}
