import type { SipNameAddr } from '../../../src/ports/sip-edge.port.js';

/** The quoted string starting at `from` (a `"`): its unescaped text and the index after it. */
function readQuoted(text: string, from: number): { value: string; end: number } | undefined {
  let value = '';
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      value += text[i + 1] ?? '';
      i++;
    } else if (c === '"') return { value, end: i + 1 };
    else value += c;
  }
  return undefined;
}

/**
 * Parses a From/To value (RFC 3261 §20.20, §25.1 name-addr / addr-spec). Without angle
 * brackets every `;param` belongs to the header, not the URI. A scan by index, no regex
 * over the value: a header of 16 KB of spaces costs 16 KB of work, not its square.
 */
export function parseNameAddr(value: string): SipNameAddr {
  const trimmed = value.trim();
  let displayName: string | undefined;
  let uri: string;
  let params: string;
  const quoted = trimmed.startsWith('"') ? readQuoted(trimmed, 0) : undefined;
  const lt = trimmed.indexOf('<', quoted?.end ?? 0);
  const gt = lt === -1 ? -1 : trimmed.indexOf('>', lt);
  const before = lt === -1 ? '' : trimmed.slice(quoted?.end ?? 0, lt);
  if (gt !== -1 && (quoted !== undefined ? before.trim() === '' : !before.includes('"'))) {
    const token = before.trim();
    displayName = quoted !== undefined ? quoted.value : token !== '' ? token : undefined;
    uri = trimmed.slice(lt + 1, gt).trim();
    params = trimmed.slice(gt + 1);
  } else {
    const semi = trimmed.indexOf(';');
    uri = semi === -1 ? trimmed : trimmed.slice(0, semi);
    params = semi === -1 ? '' : trimmed.slice(semi);
  }
  let tag: string | undefined;
  for (const param of params.split(';')) {
    const eq = param.indexOf('=');
    if (tag === undefined && eq !== -1 && param.slice(0, eq).trim().toLowerCase() === 'tag') tag = param.slice(eq + 1).trim() || undefined;
  }
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
