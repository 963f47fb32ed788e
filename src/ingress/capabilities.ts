/**
 * What Herald takes, advertised the same way everywhere: OPTIONS, 415 and 413 answers.
 *
 * The size limit of a 413 goes in two places a client can read (REQ-CONTENT-2): the
 * reason phrase says it in words, and a `Warning: 399` (RFC 3261 §20.43) carries
 * `max-size=<bytes>`, the same token MSRP uses (RFC 4975 §8.6), so a client can parse it.
 */
import type { HeraldConfig } from '../config.js';

export const ALLOWED_METHODS = 'MESSAGE, OPTIONS';
export const ACCEPTED_TYPES = 'text/plain, message/cpim, message/imdn+xml';
export const ACCEPTED_ENCODINGS = 'identity, deflate, gzip';

export interface Capabilities {
  readonly options: Readonly<Record<string, string>>;
  readonly accept: Readonly<Record<string, string>>;
  maxSize(bytes: number): Record<string, string>;
}

export function capabilityHeaders(config: HeraldConfig): Capabilities {
  const host = config.sip.domain;
  return {
    options: {
      Allow: ALLOWED_METHODS,
      Accept: ACCEPTED_TYPES,
      'Accept-Encoding': ACCEPTED_ENCODINGS,
      'Accept-Language': 'en',
      Warning: `399 ${host} "max-size=${config.sip.maxBodyBytes}"`,
    },
    accept: { Accept: ACCEPTED_TYPES, 'Accept-Encoding': ACCEPTED_ENCODINGS },
    maxSize(bytes: number) {
      return { Warning: `399 ${host} "max-size=${bytes}"` };
    },
  };
}
