/**
 * The SDP `a=fingerprint` attribute (RFC 8122 §5, which RFC 4975 §14.2 uses for msrps):
 * the hash of the certificate an endpoint presents on its TLS connection, so that two
 * endpoints with self-signed certificates (most MSRP clients) authenticate each other
 * through the SIP signalling instead of a CA.
 *
 *   attribute   = "fingerprint" ":" hash-func SP fingerprint
 *   hash-func   = "sha-1" / "sha-224" / "sha-256" / "sha-384" / "sha-512" / "md5" / "md2" / token
 *   fingerprint = 2UHEX *(":" 2UHEX)
 *
 * Pure: the digest of a certificate is computed here from its DER bytes (node:crypto's
 * hash is computation, not I/O).
 */
import { createHash } from 'node:crypto';
import { heraldError } from '../../../../src/errors.js';

/** One `a=fingerprint` as read: the hash function lower-cased, the digest as upper-case `AB:CD:…`. */
export interface SdpFingerprint {
  readonly hashFunction: string;
  readonly digest: string;
}

/**
 * The hash functions Herald checks, strongest first. RFC 8122 §5 has the receiver pick the
 * strongest one it supports; sha-256 is what every client sends, sha-1 what older ones
 * (RFC 4572 era) still do. md5/md2 are broken and the longer SHA-2 ones unseen in MSRP.
 */
export const FINGERPRINT_HASHES = ['sha-256', 'sha-1'] as const;
export type FingerprintHash = (typeof FINGERPRINT_HASHES)[number];

const DIGEST_BYTES: Readonly<Record<FingerprintHash, number>> = { 'sha-256': 32, 'sha-1': 20 };
const NODE_HASH: Readonly<Record<FingerprintHash, string>> = { 'sha-256': 'sha256', 'sha-1': 'sha1' };

/** A token (RFC 4566 §9) for the hash function; the digest is 1 to 64 hex pairs (sha-512 is the longest registered). */
const ATTRIBUTE = /^([!#$%&'*+.^_`{|}~0-9A-Za-z-]{1,32}) ((?:[0-9A-Fa-f]{2}:){0,63}[0-9A-Fa-f]{2})$/;

function refuse(detail: string): never {
  throw heraldError('GW_ERR_SDP_UNACCEPTABLE', detail);
}

/**
 * Reads the value of one `a=fingerprint:` attribute (what follows the colon). Lower-case
 * hex is accepted although the ABNF says UHEX: clients write both, and the digest is
 * compared upper-cased.
 * @throws GW_ERR_SDP_UNACCEPTABLE when the value is not `<hash-func> <hex pairs>`, or a
 *   sha-256 / sha-1 digest has the wrong length.
 */
export function parseFingerprint(value: string): SdpFingerprint {
  const match = ATTRIBUTE.exec(value.trim());
  if (match === null) refuse('a=fingerprint is not "<hash-func> <hex>:<hex>…" (RFC 8122 §5)');
  const hashFunction = (match[1] ?? '').toLowerCase();
  const digest = (match[2] ?? '').toUpperCase();
  const expected = isCheckedHash(hashFunction) ? DIGEST_BYTES[hashFunction] : undefined;
  if (expected !== undefined && (digest.length + 1) / 3 !== expected) refuse(`a=fingerprint ${hashFunction} digest of ${(digest.length + 1) / 3} bytes, not ${expected}`);
  return { hashFunction, digest };
}

/** The attribute value Herald writes: `sha-256 AB:CD:…` (RFC 8122 §5, upper-case hex). */
export function serializeFingerprint(fingerprint: SdpFingerprint): string {
  return `${fingerprint.hashFunction.toLowerCase()} ${fingerprint.digest.toUpperCase()}`;
}

export function isCheckedHash(hashFunction: string): hashFunction is FingerprintHash {
  return (FINGERPRINT_HASHES as readonly string[]).includes(hashFunction);
}

/**
 * The fingerprints a peer certificate is checked against: those of the strongest hash
 * function Herald supports among the ones offered (RFC 8122 §5). Several of that hash may
 * be given (one per certificate the peer may use); any of them matching is enough.
 * Undefined when the offer has none: then the CA check applies as without fingerprints.
 * @throws GW_ERR_SDP_UNACCEPTABLE when fingerprints are given but none with sha-256 or sha-1.
 */
export function expectedFingerprints(offered: readonly SdpFingerprint[]): readonly SdpFingerprint[] | undefined {
  if (offered.length === 0) return undefined;
  for (const hash of FINGERPRINT_HASHES) {
    const usable = offered.filter((f) => f.hashFunction === hash);
    if (usable.length > 0) return usable;
  }
  refuse(`a=fingerprint hash function ${[...new Set(offered.map((f) => f.hashFunction))].join(', ')} not supported (only ${FINGERPRINT_HASHES.join(', ')})`);
}

/** The fingerprint of a certificate given as its DER bytes (RFC 8122 §5: the hash of the DER form). */
export function certificateFingerprint(der: Buffer, hashFunction: FingerprintHash): SdpFingerprint {
  const hex = createHash(NODE_HASH[hashFunction]).update(der).digest('hex').toUpperCase();
  return { hashFunction, digest: hex.match(/../g)?.join(':') ?? '' };
}

/** Whether the certificate (DER) matches one of `expected` (all of one hash function, see {@link expectedFingerprints}). */
export function certificateMatches(der: Buffer, expected: readonly SdpFingerprint[]): boolean {
  return expected.some((f) => isCheckedHash(f.hashFunction) && certificateFingerprint(der, f.hashFunction).digest === f.digest.toUpperCase());
}
