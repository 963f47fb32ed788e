import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestVerifier, NONCE_LIFETIME_MS, parseDigestHeader, sameRequestUri, type DigestAlgorithm } from '../../../src/ingress/digest-auth.js';
import { MemoryNonceCounts } from '../../../src/ingress/memory-nonce-counts.js';

const H: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', MD5: 'md5' };
const hash = (algorithm: DigestAlgorithm, s: string): string => createHash(H[algorithm]).update(s).digest('hex');

interface AnswerOptions {
  readonly password?: string;
  readonly username?: string;
  readonly uri?: string;
  readonly nc?: string;
  readonly algorithm?: DigestAlgorithm;
  readonly qop?: boolean;
}

function answer(challenge: string, options: AnswerOptions = {}): string {
  const c = parseDigestHeader(challenge);
  const { username = 'alice', password = 's3cret', uri = URI, nc = '00000001', algorithm = 'SHA-256', qop = true } = options;
  const realm = c.get('realm') ?? '';
  const nonce = c.get('nonce') ?? '';
  const ha1 = hash(algorithm, `${username}:${realm}:${password}`);
  const ha2 = hash(algorithm, `MESSAGE:${uri}`);
  const response = qop ? hash(algorithm, `${ha1}:${nonce}:${nc}:abc:auth:${ha2}`) : hash(algorithm, `${ha1}:${nonce}:${ha2}`);
  const qopPart = qop ? `, qop=auth, nc=${nc}, cnonce="abc"` : '';
  return `Digest username="${username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${algorithm}${qopPart}`;
}

const URI = 'sip:+15551234567@gw.example.com';
const users = [{ username: 'alice', password: 's3cret' }];

function verifier(now?: () => number, algorithms?: DigestAlgorithm[]): DigestVerifier {
  return new DigestVerifier({ realm: 'herald', users, algorithms, nonceCounts: new MemoryNonceCounts(now), now });
}

const request = (authorization: string | undefined, fingerprint = 'call-1\n1', requestUri = URI) => ({
  method: 'MESSAGE',
  requestUri,
  authorization,
  fingerprint,
});

describe('DigestVerifier', () => {
  describe('when a request has no credentials', () => {
    it('should challenge with SHA-256 first, then MD5, sharing one nonce, with qop=auth', async () => {
      const outcome = await verifier().verify(request(undefined));
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.challenges.map((c) => parseDigestHeader(c).get('algorithm'))).toEqual(['SHA-256', 'MD5']);
      expect(new Set(outcome.challenges.map((c) => parseDigestHeader(c).get('nonce'))).size).toBe(1);
      for (const c of outcome.challenges) expect(parseDigestHeader(c).get('qop')).toBe('auth');
    });
  });

  describe('when credentials answer the challenge', () => {
    it.each(['SHA-256', 'MD5'] as const)('should accept the right password with %s and refuse a wrong one', async (algorithm) => {
      const v = verifier();
      const [challenge = ''] = v.challenges();
      expect(await v.verify(request(answer(challenge, { algorithm })))).toEqual({ ok: true, username: 'alice' });
      expect(await v.verify(request(answer(challenge, { algorithm, password: 'nope', nc: '00000002' })))).toMatchObject({ ok: false, reason: 'wrong password' });
      expect(await v.verify(request(answer(challenge, { algorithm, username: 'mallory', nc: '00000003' })))).toMatchObject({ ok: false, reason: 'unknown user' });
    });

    it('should refuse an algorithm it does not offer', async () => {
      const v = verifier(undefined, ['SHA-256']);
      const [challenge = ''] = v.challenges();
      expect(await v.verify(request(answer(challenge, { algorithm: 'MD5' })))).toMatchObject({ ok: false, reason: 'unsupported algorithm' });
    });

    it('should refuse credentials without qop (no nonce count to tell a replay by)', async () => {
      const v = verifier();
      const [challenge = ''] = v.challenges();
      expect(await v.verify(request(answer(challenge, { qop: false })))).toMatchObject({ ok: false, reason: 'qop=auth required' });
    });

    it('should refuse a nonce it did not issue', async () => {
      const forged = answer('Digest realm="herald", nonce="abc.def"');
      expect(await verifier().verify(request(forged))).toMatchObject({ ok: false, reason: 'unknown nonce' });
    });

    it('should ask again with stale=true once the nonce is too old', async () => {
      let now = 1_000_000;
      const v = verifier(() => now);
      const auth = answer(v.challenges()[0] ?? '');
      now += NONCE_LIFETIME_MS + 1;
      const outcome = await v.verify(request(auth));
      expect(outcome).toMatchObject({ ok: false, reason: 'stale nonce' });
      if (!outcome.ok) expect(outcome.challenges[0]).toContain('stale=true');
    });
  });

  describe('when the digest uri is not the Request-URI', () => {
    it('should refuse credentials computed for another recipient', async () => {
      const v = verifier();
      const auth = answer(v.challenges()[0] ?? '', { uri: 'sip:+19005550000@gw.example.com' });
      expect(await v.verify(request(auth))).toMatchObject({ ok: false, reason: 'uri is not the Request-URI' });
    });

    it('should compare scheme and host without case', () => {
      expect(sameRequestUri('SIP:+1555@GW.Example.com;user=phone', 'sip:+1555@gw.example.com;user=phone')).toBe(true);
      expect(sameRequestUri('sip:Bob@gw.example.com', 'sip:bob@gw.example.com')).toBe(false);
    });
  });

  describe('when an Authorization header is used again', () => {
    it('should refuse the replay by another request and ask again', async () => {
      const v = verifier();
      const auth = answer(v.challenges()[0] ?? '');
      expect((await v.verify(request(auth, 'call-1\n1'))).ok).toBe(true);
      const replay = await v.verify(request(auth, 'call-2\n1'));
      expect(replay).toMatchObject({ ok: false, reason: 'nonce count reused' });
    });

    it('should let a retransmission of the same request (same Call-ID and CSeq) through', async () => {
      const v = verifier();
      const auth = answer(v.challenges()[0] ?? '');
      expect((await v.verify(request(auth, 'call-1\n1'))).ok).toBe(true);
      expect((await v.verify(request(auth, 'call-1\n1'))).ok).toBe(true);
    });

    it('should refuse the replay on another node sharing the key and the counts', async () => {
      const counts = new MemoryNonceCounts();
      const key = Buffer.alloc(32, 7);
      const nodeA = new DigestVerifier({ realm: 'herald', users, nonceCounts: counts, key });
      const nodeB = new DigestVerifier({ realm: 'herald', users, nonceCounts: counts, key });
      const auth = answer(nodeA.challenges()[0] ?? '');
      expect((await nodeB.verify(request(auth, 'call-1\n1'))).ok).toBe(true);
      expect(await nodeA.verify(request(auth, 'call-2\n1'))).toMatchObject({ ok: false, reason: 'nonce count reused' });
    });

    it('should accept the next nonce count on the same nonce', async () => {
      const v = verifier();
      const [challenge = ''] = v.challenges();
      expect((await v.verify(request(answer(challenge, { nc: '00000001' }), 'a\n1'))).ok).toBe(true);
      expect((await v.verify(request(answer(challenge, { nc: '00000002' }), 'a\n2'))).ok).toBe(true);
    });
  });
});
