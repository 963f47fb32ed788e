/**
 * The SDP `a=fingerprint` attribute for msrps (RFC 4975 §14.2, RFC 8122 §5): reading and
 * writing it, where it is read from in an offer, which fingerprints a peer certificate is
 * checked against, and properties over any digest and any input.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  certificateFingerprint,
  certificateMatches,
  expectedFingerprints,
  parseFingerprint,
  parseMsrpOffer,
  serializeFingerprint,
  serializeMsrpAnswer,
} from '../../../adapters/sip/msrp/codec/index.js';
import { isHeraldError } from '../../../src/errors.js';
import { expectHeraldError, FUZZ_RUNS, PROPERTY_RUNS } from '../codecs/codec-test-helpers.js';

/** RFC 8122 §5's example attribute value (a SHA-256 digest, upper-case hex pairs). */
const EXAMPLE = 'sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3E:4B:65:D9:E4:D8:98:F6:C7:23:76:50';
const pairs = (n: number, byte = 'AB'): string => Array.from({ length: n }, () => byte).join(':');

/** An msrps offer with `media` a=fingerprint lines on the MSRP stream and `session` ones before it. */
function offer(media: readonly string[], session: readonly string[] = []): string {
  return [
    'v=0',
    'o=alice 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    ...session.map((f) => `a=fingerprint:${f}`),
    'm=message 7654 TCP/TLS/MSRP *',
    'a=accept-types:text/plain',
    ...media.map((f) => `a=fingerprint:${f}`),
    'a=path:msrps://127.0.0.1:7654/s1;tcp',
    '',
  ].join('\r\n');
}

const ANSWER = { originHost: '192.0.2.1', sessionVersion: 1, path: ['msrps://192.0.2.1:2856/h1;tcp'], port: 2856, acceptTypes: ['text/plain'], acceptWrappedTypes: [], maxSize: 1024, setup: 'passive' as const, secure: true };

describe('MSRP SDP fingerprint', () => {
  describe('when reading an attribute', () => {
    it('reads RFC 8122’s example: the hash function and the digest', () => {
      expect(parseFingerprint(EXAMPLE)).toEqual({ hashFunction: 'sha-256', digest: EXAMPLE.slice('sha-256 '.length) });
    });

    it('upper-cases lower-case hex and lower-cases the hash function, so they compare as equal', () => {
      expect(parseFingerprint(`SHA-1 ${pairs(20, 'ab')}`)).toEqual({ hashFunction: 'sha-1', digest: pairs(20, 'AB') });
    });

    it('reads a hash function it does not check (md5) as given, to be refused when chosen', () => {
      expect(parseFingerprint(`md5 ${pairs(16)}`)).toEqual({ hashFunction: 'md5', digest: pairs(16) });
    });

    it.each([
      ['no digest', 'sha-256'],
      ['no hash function', pairs(32)],
      ['a digest without colons', `sha-256 ${'AB'.repeat(32)}`],
      ['an odd hex digit', `sha-256 ${pairs(31)}:A`],
      ['a non-hex digit', `sha-256 ${pairs(31)}:AG`],
      ['a trailing colon', `sha-256 ${pairs(32)}:`],
      ['a sha-256 digest of 31 bytes', `sha-256 ${pairs(31)}`],
      ['a sha-1 digest of 32 bytes', `sha-1 ${pairs(32)}`],
      ['two spaces', `sha-256  ${pairs(32)}`],
      ['over 64 bytes', `sha-512 ${pairs(65)}`],
    ])('refuses %s with GW_ERR_SDP_UNACCEPTABLE', (_name, value) => {
      expectHeraldError(() => parseFingerprint(value), 'GW_ERR_SDP_UNACCEPTABLE');
    });

    it('writes what it reads, upper-case', () => {
      expect(serializeFingerprint(parseFingerprint(EXAMPLE.toLowerCase()))).toBe(EXAMPLE);
    });
  });

  describe('when reading an offer', () => {
    it('takes the MSRP stream’s a=fingerprint lines over the session-level ones (RFC 8122 §5)', () => {
      const mediaLevel = `sha-256 ${pairs(32, '01')}`;
      expect(parseMsrpOffer(offer([mediaLevel], [EXAMPLE])).fingerprints).toEqual([parseFingerprint(mediaLevel)]);
      expect(parseMsrpOffer(offer([], [EXAMPLE])).fingerprints).toEqual([parseFingerprint(EXAMPLE)]);
      expect(parseMsrpOffer(offer([])).fingerprints).toEqual([]);
    });

    it('refuses an offer whose a=fingerprint is malformed with GW_ERR_SDP_UNACCEPTABLE', () => {
      expectHeraldError(() => parseMsrpOffer(offer(['sha-256 zz'])), 'GW_ERR_SDP_UNACCEPTABLE');
      expectHeraldError(() => parseMsrpOffer(offer([], ['sha-256'])), 'GW_ERR_SDP_UNACCEPTABLE');
    });

    it('ignores a=fingerprint of another stream', () => {
      const withAudio = offer([]).replace('m=message', `m=audio 4000 RTP/SAVP 0\r\na=fingerprint:${EXAMPLE}\r\nm=message`);
      expect(parseMsrpOffer(withAudio).fingerprints).toEqual([]);
    });
  });

  describe('when writing the answer', () => {
    it('names Herald’s fingerprint on the MSRP stream when given, and reads back', () => {
      const sdp = serializeMsrpAnswer(parseMsrpOffer(offer([EXAMPLE])), { ...ANSWER, fingerprint: parseFingerprint(EXAMPLE) });
      expect(sdp.split('\r\n')).toContain(`a=fingerprint:${EXAMPLE}`);
      expect(parseMsrpOffer(sdp).fingerprints).toEqual([parseFingerprint(EXAMPLE)]);
      expect(serializeMsrpAnswer(parseMsrpOffer(offer([])), ANSWER)).not.toContain('a=fingerprint');
    });
  });

  describe('when choosing what a certificate is checked against', () => {
    const sha1 = parseFingerprint(`sha-1 ${pairs(20)}`);
    const sha256 = parseFingerprint(EXAMPLE);
    const md5 = parseFingerprint(`md5 ${pairs(16)}`);

    it('has no check without fingerprints: the CA check stays', () => {
      expect(expectedFingerprints([])).toBeUndefined();
    });

    it('takes the strongest hash it supports: sha-256 over sha-1, sha-1 over md5', () => {
      expect(expectedFingerprints([sha1, md5, sha256])).toEqual([sha256]);
      expect(expectedFingerprints([md5, sha1])).toEqual([sha1]);
    });

    it('keeps every fingerprint of that hash (a peer may use one of several certificates)', () => {
      const other = parseFingerprint(`sha-256 ${pairs(32, '02')}`);
      expect(expectedFingerprints([sha256, sha1, other])).toEqual([sha256, other]);
    });

    it('refuses fingerprints of no supported hash with GW_ERR_SDP_UNACCEPTABLE', () => {
      expectHeraldError(() => expectedFingerprints([md5, parseFingerprint(`sha-512 ${pairs(64)}`)]), 'GW_ERR_SDP_UNACCEPTABLE');
    });
  });

  describe('properties', () => {
    const der = fc.uint8Array({ minLength: 1, maxLength: 600 }).map((a) => Buffer.from(a));
    const hash = fc.constantFrom('sha-256' as const, 'sha-1' as const);

    it('a certificate matches its own fingerprint, written and read back, and not one with any byte changed', () => {
      fc.assert(
        fc.property(der, hash, fc.nat(), (bytes, h, at) => {
          const own = parseFingerprint(serializeFingerprint(certificateFingerprint(bytes, h)));
          expect(own.digest.replace(/:/g, '')).toBe(createHash(h === 'sha-256' ? 'sha256' : 'sha1').update(bytes).digest('hex').toUpperCase());
          expect(certificateMatches(bytes, [own])).toBe(true);
          const changed = Buffer.from(bytes);
          const index = at % changed.length;
          changed[index] = (changed[index] ?? 0) ^ 0x01;
          expect(certificateMatches(changed, [own])).toBe(false);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });

    it('reads any well-formed attribute and writes it back equal up to case', () => {
      const token = fc.stringMatching(/^[a-z0-9-]{1,20}$/).filter((t) => t !== 'sha-256' && t !== 'sha-1');
      const digest = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }).map((bytes) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(':'));
      fc.assert(
        fc.property(token, digest, (t, d) => {
          expect(serializeFingerprint(parseFingerprint(`${t} ${d}`))).toBe(`${t} ${d.toUpperCase()}`);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });

    it('returns a fingerprint or throws GW_ERR_SDP_UNACCEPTABLE for any input, as an attribute and inside an offer', () => {
      const input = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom(EXAMPLE, `sha-1 ${pairs(20)}`).chain((v) => fc.integer({ min: 0, max: v.length }).map((cut) => v.slice(0, cut))));
      fc.assert(
        fc.property(input, (value) => {
          for (const run of [() => parseFingerprint(value), () => parseMsrpOffer(offer([value.replace(/[\r\n]/g, ' ')]))]) {
            try {
              run();
            } catch (err) {
              expect(isHeraldError(err, 'GW_ERR_SDP_UNACCEPTABLE')).toBe(true);
            }
          }
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  });
});
