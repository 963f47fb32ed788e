import type { SipReply } from '../../../src/ports/sip-edge.port.js';

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  500: 'Server Internal Error',
  505: 'Version Not Supported',
  513: 'Message Too Large',
};

/** Printable, one line, bounded: a detail may quote bytes from the wire. */
function printable(text: string, max: number): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

/**
 * A final answer the edge gives itself (the request never reaches the core), in the form
 * the core's answers take (src/ingress/sip-reply.ts): the reason phrase names the fault and
 * `Warning: 399 <domain> "<code>: <detail>"` carries it for machines.
 */
export function edgeRefusal(
  status: number,
  detail: string,
  domain: string,
  code = 'GW_ERR_SIP_MALFORMED',
  headers: Readonly<Record<string, string>> = {},
): SipReply {
  const text = printable(detail, 120);
  const warning = `399 ${domain} "${printable(`${code}: ${detail}`, 200).replace(/["\\]/g, "'")}"`;
  const extra = headers.Warning;
  return {
    status,
    reason: `${REASONS[status] ?? 'Error'}: ${text}`,
    headers: { ...headers, Warning: extra === undefined ? warning : `${warning}, ${extra}` },
  };
}
