/**
 * Identifiers. Messages and deliveries get UUIDv7 (RFC 9562): unique without
 * coordination between gateway nodes, and time-ordered so "newest first" pagination and
 * index locality come for free.
 */
import { randomPoolBytes } from './random-pool.js';

let lastMs = 0;
let counter = 0;

/** A UUIDv7; ids made in the same millisecond by this process still sort in order. */
export function newId(now: number = Date.now()): string {
  if (now <= lastMs) {
    counter += 1;
    now = lastMs;
  } else {
    lastMs = now;
    counter = 0;
  }
  const bytes = randomPoolBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  // 12-bit counter in rand_a keeps same-millisecond ids monotonic (RFC 9562 §6.2 method 1).
  bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random token for IMDN Message-IDs and the like (RFC 5438 wants ≥ 32 bits of randomness). */
export function newToken(bytes = 12): string {
  return randomPoolBytes(bytes).toString('base64url');
}
