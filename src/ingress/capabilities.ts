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
  /**
   * The Warning naming the limit a 413 ran into, from the error's meta: `max-size=<bytes>`
   * always (the body limit, or the SMS route's size), plus `max-parts=<n>` for SMS and
   * `max-recipients=<n>` for recipient lists.
   */
  limits(meta: Readonly<Record<string, unknown>>, defaultMaxBytes: number): Record<string, string>;
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
    limits(meta, defaultMaxBytes) {
      const tokens = [`max-size=${typeof meta.maxBytes === 'number' ? meta.maxBytes : defaultMaxBytes}`];
      if (typeof meta.maxParts === 'number') tokens.push(`max-parts=${meta.maxParts}`);
      if (typeof meta.maxRecipients === 'number') tokens.push(`max-recipients=${meta.maxRecipients}`);
      return { Warning: `399 ${host} "${tokens.join(' ')}"` };
    },
  };
}
