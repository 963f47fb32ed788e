import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { sipEdgeError } from '../shared/edge-error.js';

export interface SipTarget {
  readonly transport: 'udp' | 'tcp';
  readonly address: string;
  readonly port: number;
}

/**
 * Where a request for `uri` goes (RFC 3263 simplified): the URI's host and port (5060 when
 * absent), over TCP when it says `;transport=tcp`, else UDP. A host name is resolved with
 * the system resolver (A/AAAA); NAPTR/SRV are not consulted — name an outbound proxy with
 * an explicit port when a domain relies on them.
 * @throws GW_ERR_SIP_SEND_FAILED when the URI has no host or the host does not resolve.
 */
export async function resolveTarget(uri: string): Promise<SipTarget> {
  const match = /^sips?:(?:[^@;?]*@)?(\[[0-9A-Fa-f:.]+\]|[^:;?>]+)(?::(\d{1,5}))?([^?>]*)/.exec(uri.replace(/^<|>$/g, ''));
  if (match === null) throw sipEdgeError('GW_ERR_SIP_SEND_FAILED', `cannot route to ${uri}`);
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '');
  const port = match[2] !== undefined ? Number(match[2]) : 5060;
  const transport = /;transport=tcp(?:;|$)/i.test(match[3] ?? '') ? 'tcp' : 'udp';
  if (isIP(host) !== 0) return { transport, address: host, port };
  try {
    const { address } = await lookup(host);
    return { transport, address, port };
  } catch (err) {
    throw sipEdgeError('GW_ERR_SIP_SEND_FAILED', `cannot resolve ${host}`, { cause: err, status: 404, reason: 'generated locally' });
  }
}
