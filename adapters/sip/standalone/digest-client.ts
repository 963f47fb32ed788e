import { createHash, randomBytes } from 'node:crypto';

/** A digest challenge's parameters (RFC 7616 §3.3), names lower-cased. */
export type Challenge = ReadonlyMap<string, string>;

/** Reads `Digest k=v, k="v"` in one pass; undefined for another scheme. */
export function parseChallenge(value: string): Challenge | undefined {
  const trimmed = value.trim();
  if (!/^digest[ \t]/i.test(trimmed)) return undefined;
  const params = new Map<string, string>();
  let i = 6;
  while (i < trimmed.length) {
    while (i < trimmed.length && /[\s,]/.test(trimmed[i] ?? '')) i++;
    const eq = trimmed.indexOf('=', i);
    if (eq === -1) break;
    const name = trimmed.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (trimmed[i] === ' ' || trimmed[i] === '\t') i++;
    let val = '';
    if (trimmed[i] === '"') {
      for (i++; i < trimmed.length && trimmed[i] !== '"'; i++) {
        if (trimmed[i] === '\\') i++;
        val += trimmed[i] ?? '';
      }
      i++;
    } else {
      const end = trimmed.indexOf(',', i);
      val = trimmed.slice(i, end === -1 ? undefined : end).trim();
      i = end === -1 ? trimmed.length : end;
    }
    params.set(name, val);
  }
  return params;
}

const HASHES: Readonly<Record<string, string>> = { md5: 'md5', 'sha-256': 'sha256' };

/** Whether Herald can answer this challenge (MD5 or SHA-256, no -sess variants). */
export function supported(challenge: Challenge): boolean {
  return HASHES[(challenge.get('algorithm') ?? 'MD5').toLowerCase()] !== undefined && challenge.get('realm') !== undefined;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The Authorization value answering `challenge` for `method uri` (RFC 7616 §3.4, RFC 3261
 * §22.4): qop=auth when offered, else the RFC 2069 form.
 */
export function authorization(
  challenge: Challenge,
  request: { readonly method: string; readonly uri: string },
  credentials: { readonly username: string; readonly password: string },
): string {
  const algorithm = challenge.get('algorithm') ?? 'MD5';
  const hash = HASHES[algorithm.toLowerCase()] ?? 'md5';
  const h = (text: string): string => createHash(hash).update(text, 'utf8').digest('hex');
  const realm = challenge.get('realm') ?? '';
  const nonce = challenge.get('nonce') ?? '';
  const qop = (challenge.get('qop') ?? '').split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
  const ha1 = h(`${credentials.username}:${realm}:${credentials.password}`);
  const ha2 = h(`${request.method}:${request.uri}`);
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const response = qop === undefined ? h(`${ha1}:${nonce}:${ha2}`) : h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(request.uri)}`,
    `response=${quote(response)}`,
    `algorithm=${algorithm}`,
  ];
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  const opaque = challenge.get('opaque');
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
