/**
 * Where an imdn.IMDN-Record-Route (RFC 5438 §7.1) may send IMDNs. The route names any
 * host and port, and IMDNs to it are retried for an hour: followed blindly, a MESSAGE
 * aims Herald at internal hosts (a reflector). Allowed: the sender's own domain, and the
 * domains, addresses and networks of `imdn.routeAllow`. A route entry elsewhere is
 * dropped (and logged by the caller); the IMDN then goes to the next entry or the sender.
 */
import { splitUri } from '../routing/route-recipient.js';
import { inNetworks, parseNetwork, type Network } from './cidr.js';

export interface RoutePolicy {
  /** The entries that may be followed, and those dropped, in their order. */
  split(routes: readonly string[], senderUri: string): { readonly kept: string[]; readonly dropped: string[] };
}

/** The host of a SIP URI, without port or IPv6 brackets; undefined when it has none. */
function hostOf(uri: string): string | undefined {
  try {
    const host = splitUri(uri).host;
    if (host === undefined || host === '') return undefined;
    const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
    if (bracketed !== null) return bracketed[1]?.toLowerCase();
    return host.replace(/:\d+$/, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/** @param allow entries of imdn.routeAllow: `example.com`, `*.example.com`, `10.1.2.3`, `10.0.0.0/8`. */
export function routePolicy(allow: readonly string[]): RoutePolicy {
  const networks: Network[] = allow.flatMap((entry) => parseNetwork(entry) ?? []);
  const domains = allow.filter((entry) => parseNetwork(entry) === undefined).map((d) => d.toLowerCase());
  const allowedHost = (host: string, senderHost: string | undefined): boolean => {
    if (host === senderHost) return true;
    // The sender's own infrastructure (im.example.com for alice@example.com); an address
    // literal has no subdomains.
    if (senderHost !== undefined && !/^[0-9.]+$|:/.test(senderHost) && host.endsWith(`.${senderHost}`)) return true;
    if (inNetworks(host, networks)) return true;
    return domains.some((d) => (d.startsWith('*.') ? host.endsWith(d.slice(1)) : host === d));
  };
  return {
    split(routes, senderUri) {
      const senderHost = hostOf(senderUri);
      const kept: string[] = [];
      const dropped: string[] = [];
      for (const route of routes) {
        const host = hostOf(route);
        (host !== undefined && allowedHost(host, senderHost) ? kept : dropped).push(route);
      }
      return { kept, dropped };
    },
  };
}
