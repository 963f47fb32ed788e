/**
 * SIP digest authentication of senders (RFC 3261 §22, RFC 2617 MD5 with qop=auth).
 * Nonces are stateless: a timestamp and an HMAC of it under a per-process key, so any
 * request within NONCE_LIFETIME_MS can be checked without remembering nonces.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A nonce older than this is stale: the client is challenged again (stale=true). */
export const NONCE_LIFETIME_MS = 5 * 60_000;

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

export interface DigestCredentials {
  readonly username: string;
  readonly password: string;
}

export type DigestOutcome =
  | { readonly ok: true; readonly username: string }
  | { readonly ok: false; readonly challenge: string; readonly reason: string };

/** Parses `Digest k=v, k="v"` into a map with lower-cased keys. */
export function parseDigestHeader(header: string): Map<string, string> {
  const out = new Map<string, string>();
  const body = header.replace(/^\s*Digest\s+/i, '');
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    out.set((m[1] ?? '').toLowerCase(), m[2] ?? m[3] ?? '');
  }
  return out;
}

export class DigestVerifier {
  private readonly key = randomBytes(32);
  private readonly users: ReadonlyMap<string, string>;

  constructor(
    readonly realm: string,
    users: readonly DigestCredentials[],
    private readonly now: () => number = Date.now,
  ) {
    this.users = new Map(users.map((u) => [u.username, u.password]));
  }

  private sign(timestamp: string): string {
    return createHmac('sha256', this.key).update(timestamp).digest('base64url').slice(0, 22);
  }

  nonce(): string {
    const timestamp = this.now().toString(36);
    return `${timestamp}.${this.sign(timestamp)}`;
  }

  challenge(stale = false): string {
    return `Digest realm="${this.realm}", nonce="${this.nonce()}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  private nonceState(nonce: string): 'valid' | 'stale' | 'forged' {
    const [timestamp = '', signature = ''] = nonce.split('.');
    const expected = Buffer.from(this.sign(timestamp));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forged';
    const issued = parseInt(timestamp, 36);
    return this.now() - issued > NONCE_LIFETIME_MS ? 'stale' : 'valid';
  }

  /** Checks an Authorization header for `method`; without one, returns a challenge. */
  verify(method: string, authorization: string | undefined): DigestOutcome {
    const refuse = (reason: string, stale = false): DigestOutcome => ({ ok: false, challenge: this.challenge(stale), reason });
    if (authorization === undefined) return refuse('no credentials');
    const p = parseDigestHeader(authorization);
    const username = p.get('username') ?? '';
    const password = this.users.get(username);
    const nonce = p.get('nonce') ?? '';
    if (p.get('realm') !== this.realm) return refuse('wrong realm');
    if ((p.get('algorithm') ?? 'MD5').toUpperCase() !== 'MD5') return refuse('unsupported algorithm');
    const state = this.nonceState(nonce);
    if (state === 'forged') return refuse('unknown nonce');
    if (password === undefined) return refuse('unknown user');
    const ha1 = md5(`${username}:${this.realm}:${password}`);
    const ha2 = md5(`${method}:${p.get('uri') ?? ''}`);
    const qop = p.get('qop');
    const expected =
      qop === undefined
        ? md5(`${ha1}:${nonce}:${ha2}`)
        : md5(`${ha1}:${nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:${qop}:${ha2}`);
    const given = Buffer.from(p.get('response') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) return refuse('wrong password');
    if (state === 'stale') return refuse('stale nonce', true);
    return { ok: true, username };
  }
}
