/**
 * MSRP URIs (RFC 4975 §6): `msrp://host:port/session-id;tcp` (msrps for TLS). Herald
 * needs host, port, session id and transport; userinfo and other params are kept out.
 */
import { heraldError } from '../../../../src/errors.js';

export interface MsrpUri {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly sessionId: string;
  readonly transport: string;
}

/** msrp(s)://[userinfo@]host[:port]/session-id;transport — IPv6 hosts in brackets. */
const URI = /^(msrps?):\/\/(?:[^@/\s]*@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/([A-Za-z0-9\-._~%!$&'()*+,=:@]{1,128});([A-Za-z0-9-]+)$/;

/** @throws GW_ERR_MSRP_MALFORMED when `text` is not an MSRP URI of that shape. */
export function parseMsrpUri(text: string): MsrpUri {
  const match = URI.exec(text.trim());
  if (match === null) throw heraldError('GW_ERR_MSRP_MALFORMED', 'malformed MSRP URI');
  const secure = match[1] === 'msrps';
  const port = match[3] === undefined ? 2855 : Number(match[3]);
  if (port < 1 || port > 65_535) throw heraldError('GW_ERR_MSRP_MALFORMED', 'MSRP URI port out of range');
  return { secure, host: (match[2] ?? '').replace(/^\[|\]$/g, ''), port, sessionId: match[4] ?? '', transport: (match[5] ?? '').toLowerCase() };
}

export function formatMsrpUri(uri: MsrpUri): string {
  const host = uri.host.includes(':') ? `[${uri.host}]` : uri.host;
  return `${uri.secure ? 'msrps' : 'msrp'}://${host}:${uri.port}/${uri.sessionId};${uri.transport}`;
}

/**
 * RFC 4975 §6.1: two MSRP URIs match when scheme, host (case-insensitive), port, session
 * id (case-sensitive) and transport agree; userinfo is ignored.
 */
export function sameMsrpUri(a: MsrpUri, b: MsrpUri): boolean {
  return a.secure === b.secure && a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.sessionId === b.sessionId && a.transport === b.transport;
}
