import { randomPoolBytes } from '../../../src/domain/random-pool.js';

/** A random token for tags and Call-IDs (RFC 3261 §19.3 asks for at least 32 random bits). */
export function randomToken(bytes = 8): string {
  return randomPoolBytes(bytes).toString('hex');
}

export function newCallId(domain: string): string {
  return `${randomToken(12)}@${domain}`;
}

/** A CSeq start in the lower half of the 2^31 range, leaving room to count up (§8.1.1.5). */
export function initialCSeq(): number {
  return 1 + (randomPoolBytes(2).readUInt16BE(0) % 10_000);
}
