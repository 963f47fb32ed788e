import type { SipNameAddr } from '../../../src/ports/sip-edge.port.js';

/**
 * Parses a From/To value (RFC 3261 §20.20, §25.1 name-addr / addr-spec). Without angle
 * brackets every `;param` belongs to the header, not the URI.
 */
export function parseNameAddr(value: string): SipNameAddr {
  const trimmed = value.trim();
  const angled = /^(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>(.*)$/s.exec(trimmed);
  let displayName: string | undefined;
  let uri: string;
  let params: string;
  if (angled) {
    const quoted = angled[1];
    const token = angled[2]?.trim();
    displayName = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : token !== '' ? token : undefined;
    uri = (angled[3] ?? '').trim();
    params = angled[4] ?? '';
  } else {
    const semi = trimmed.indexOf(';');
    uri = semi === -1 ? trimmed : trimmed.slice(0, semi);
    params = semi === -1 ? '' : trimmed.slice(semi);
  }
  const tag = /;\s*tag\s*=\s*([^;\s]+)/i.exec(params)?.[1];
  return { uri, displayName, tag };
}

/** Formats a name-addr for From/To; the display name is always quoted (RFC 3261 §25.1). */
export function formatNameAddr(addr: SipNameAddr): string {
  const name =
    addr.displayName !== undefined && addr.displayName !== ''
      ? `"${addr.displayName.replace(/["\\]/g, (c) => `\\${c}`)}" `
      : '';
  const tag = addr.tag !== undefined ? `;tag=${addr.tag}` : '';
  return `${name}<${addr.uri}>${tag}`;
}
