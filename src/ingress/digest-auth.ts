/**
 * SIP digest authentication of senders as RFC 7616 and RFC 8760 have it today: SHA-256
 * offered first and MD5 kept for old clients (one challenge per algorithm, most preferred
 * first), qop=auth required, the digest `uri` bound to the Request-URI, and every nonce
 * count used once (RFC 7616 §3.4), remembered across nodes by a {@link NonceCountStore}.
 *
 * Nonces are a timestamp and an HMAC of it under a key all nodes share, so issuing one
 * costs no storage and any node can check it; only the counts actually used are stored,
 * for as long as the nonce lives.
 * What qop=auth cannot protect is the body: a request caught in flight can still be raced
 * with another body before the real one arrives. Use TLS (or auth-int, which no common
 * client sends) where that matters.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NonceCountStore } from '../ports/nonce-count-store.port.js';

/** A nonce older than this is stale: the client is challenged again (stale=true). */
export const NONCE_LIFETIME_MS = 5 * 60_000;

export type DigestAlgorithm = 'SHA-256' | 'MD5';

const HASHES: Readonly<Record<DigestAlgorithm, string>> = { 'SHA-256': 'sha256', MD5: 'md5' };

const hash = (algorithm: DigestAlgorithm, text: string): string => createHash(HASHES[algorithm]).update(text).digest('hex');

export interface DigestCredentials {
  readonly username: string;
  readonly password: string;
}

/** Why credentials were refused; logged, never sent (it would help a guesser). */
export type DigestRefusal =
  | 'no credentials'
  | 'wrong realm'
  | 'unsupported algorithm'
  | 'qop=auth required'
  | 'unknown nonce'
  | 'uri is not the Request-URI'
  | 'unknown user'
  | 'wrong password'
  | 'stale nonce'
  | 'nonce count reused';

export type DigestOutcome =
  | { readonly ok: true; readonly username: string }
  | { readonly ok: false; readonly challenges: readonly string[]; readonly reason: DigestRefusal };

/** One request to check: what the digest must cover, and what makes a retransmission the same request. */
export interface DigestRequest {
  readonly method: string;
  readonly requestUri: string;
  readonly authorization: string | undefined;
  /** Call-ID and CSeq: a retransmission of one request may reuse its nonce count. */
  readonly fingerprint: string;
}

export interface DigestVerifierOptions {
  readonly realm: string;
  readonly users: readonly DigestCredentials[];
  /** Offered in this order, one challenge each. @defaultValue ['SHA-256', 'MD5'] */
  readonly algorithms?: readonly DigestAlgorithm[] | undefined;
  readonly nonceCounts: NonceCountStore;
  /** Signs nonces; the same on every node (NonceCountStore.sharedKey). @defaultValue random, this verifier only */
  readonly key?: Buffer | undefined;
  readonly now?: (() => number) | undefined;
}

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

/**
 * RFC 3261 §22.4 (and RFC 7616 §3.4.6): the digest `uri` names the Request-URI. Scheme and
 * host compare without case; everything else as sent.
 */
export function sameRequestUri(digestUri: string, requestUri: string): boolean {
  const normal = (uri: string): string => {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:([^@]*)@)?([^;?]*)(.*)$/.exec(uri.trim());
    if (m === null) return uri.trim();
    const [, scheme = '', user, hostport = '', rest = ''] = m;
    return `${scheme.toLowerCase()}:${user === undefined ? '' : `${user}@`}${hostport.toLowerCase()}${rest}`;
  };
  return normal(digestUri) === normal(requestUri);
}

const NC = /^[0-9a-fA-F]{8}$/;

export class DigestVerifier {
  private readonly key: Buffer;
  private readonly users: ReadonlyMap<string, string>;
  readonly realm: string;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly nonceCounts: NonceCountStore;
  private readonly now: () => number;

  constructor(options: DigestVerifierOptions) {
    this.realm = options.realm;
    this.key = options.key ?? randomBytes(32);
    this.users = new Map(options.users.map((u) => [u.username, u.password]));
    this.algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    this.nonceCounts = options.nonceCounts;
    this.now = options.now ?? Date.now;
  }

  private sign(timestamp: string): string {
    return createHmac('sha256', this.key).update(timestamp).digest('base64url').slice(0, 22);
  }

  nonce(): string {
    const timestamp = this.now().toString(36);
    return `${timestamp}.${this.sign(timestamp)}`;
  }

  /** One WWW-Authenticate value per algorithm offered, sharing one nonce, preferred first. */
  challenges(stale = false): string[] {
    const nonce = this.nonce();
    return this.algorithms.map(
      (algorithm) => `Digest realm="${this.realm}", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
    );
  }

  private nonceState(nonce: string): 'valid' | 'stale' | 'forged' {
    const [timestamp = '', signature = ''] = nonce.split('.');
    const expected = Buffer.from(this.sign(timestamp));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forged';
    const issued = parseInt(timestamp, 36);
    return this.now() - issued > NONCE_LIFETIME_MS ? 'stale' : 'valid';
  }

  private algorithmOf(given: string | undefined): DigestAlgorithm | undefined {
    // RFC 7616 §3.4: no algorithm parameter means MD5.
    const name = (given ?? 'MD5').toUpperCase();
    return this.algorithms.find((a) => a === name);
  }

  /**
   * Checks the Authorization header of one request; without valid credentials, the answer
   * carries fresh challenges.
   * @throws what the NonceCountStore throws (GW_ERR_REDIS_UNREACHABLE): authentication
   *   fails closed.
   */
  async verify(request: DigestRequest): Promise<DigestOutcome> {
    const refuse = (reason: DigestRefusal, stale = false): DigestOutcome => ({ ok: false, challenges: this.challenges(stale), reason });
    if (request.authorization === undefined) return refuse('no credentials');
    const p = parseDigestHeader(request.authorization);
    const username = p.get('username') ?? '';
    const nonce = p.get('nonce') ?? '';
    const nc = p.get('nc') ?? '';
    const cnonce = p.get('cnonce') ?? '';
    const uri = p.get('uri') ?? '';
    if (p.get('realm') !== this.realm) return refuse('wrong realm');
    const algorithm = this.algorithmOf(p.get('algorithm'));
    if (algorithm === undefined) return refuse('unsupported algorithm');
    // Without qop there is no nonce count, so nothing to tell a replay by (RFC 2069 mode).
    if (p.get('qop') !== 'auth' || !NC.test(nc) || cnonce === '') return refuse('qop=auth required');
    const state = this.nonceState(nonce);
    if (state === 'forged') return refuse('unknown nonce');
    if (!sameRequestUri(uri, request.requestUri)) return refuse('uri is not the Request-URI');
    const password = this.users.get(username);
    if (password === undefined) return refuse('unknown user');
    const ha1 = hash(algorithm, `${username}:${this.realm}:${password}`);
    const ha2 = hash(algorithm, `${request.method}:${uri}`);
    const expected = Buffer.from(hash(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`));
    const given = Buffer.from((p.get('response') ?? '').toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse('wrong password');
    if (state === 'stale') return refuse('stale nonce', true);
    const ttlSeconds = Math.ceil(NONCE_LIFETIME_MS / 1000) + 60;
    if (!(await this.nonceCounts.claim(nonce, nc.toLowerCase(), request.fingerprint, ttlSeconds))) return refuse('nonce count reused');
    return { ok: true, username };
  }
}
