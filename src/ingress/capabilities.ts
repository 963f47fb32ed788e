/**
 * What Herald takes, advertised the same way everywhere: OPTIONS, 415 and 413 answers.
 *
 * The size limit of a 413 goes in two places a client can read (REQ-CONTENT-2): the
 * reason phrase says it in words, and a `Warning: 399` (RFC 3261 §20.43) carries
 * `max-size=<bytes>`, the same token MSRP uses (RFC 4975 §8.6), so a client can parse it.
 * OPTIONS and every 415 also carry the per-channel limits the same way:
 * `max-size=<SIP body> sms-max-parts=<n> email-max-size=<bytes>`.
 *
 * `Accept` is per channel (REQ-CONTENT-*): what the recipient's channel takes. It never
 * lists `application/im-iscomposing+xml` (RFC 3994 §6: that is how a client learns to stop
 * sending indicators), so media is listed by concrete types rather than `application/*`.
 */
import type { HeraldConfig } from '../config.js';

export const ALLOWED_METHODS = 'MESSAGE, OPTIONS';
export const ACCEPTED_TYPES = 'text/plain, message/cpim, message/imdn+xml';
/** Non-text content: attached to email; linked from SMS with media.linkMode. */
export const MEDIA_TYPES = 'image/*, audio/*, video/*, application/pdf, application/octet-stream';
export const ACCEPTED_ENCODINGS = 'identity, deflate, gzip';

/** A channel whose content rules differ; undefined: not known (OPTIONS, Herald's own URI). */
export type ContentChannel = 'sms' | 'email' | undefined;

export interface Capabilities {
  readonly options: Readonly<Record<string, string>>;
  /** Accept and Accept-Encoding of a 415 for a recipient on `channel`. */
  acceptFor(channel: ContentChannel): Record<string, string>;
  /** The Warning with every channel's limits (OPTIONS and 415 answers). */
  readonly advert: string;
  /**
   * The Warning naming the limit a 413 ran into, from the error's meta: `max-size=<bytes>`
   * always (the body limit, the SMS route's size or the email limit), plus `max-parts=<n>`
   * for SMS and `max-recipients=<n>` for recipient lists.
   */
  limits(meta: Readonly<Record<string, unknown>>, defaultMaxBytes: number): Record<string, string>;
}

export function capabilityHeaders(config: HeraldConfig): Capabilities {
  const host = config.sip.domain;
  const withMedia = `${ACCEPTED_TYPES}, ${MEDIA_TYPES}`;
  const advert = `399 ${host} "max-size=${config.sip.maxBodyBytes} sms-max-parts=${config.smpp.maxParts} email-max-size=${config.smtp.maxMessageBytes}"`;
  return {
    options: {
      Allow: ALLOWED_METHODS,
      Accept: withMedia,
      'Accept-Encoding': ACCEPTED_ENCODINGS,
      'Accept-Language': 'en',
      Warning: advert,
    },
    advert,
    acceptFor(channel) {
      const accept = channel === 'sms' && !config.media.linkMode ? ACCEPTED_TYPES : withMedia;
      return { Accept: accept, 'Accept-Encoding': ACCEPTED_ENCODINGS };
    },
    limits(meta, defaultMaxBytes) {
      const tokens = [`max-size=${typeof meta.maxBytes === 'number' ? meta.maxBytes : defaultMaxBytes}`];
      if (typeof meta.maxParts === 'number') tokens.push(`max-parts=${meta.maxParts}`);
      if (typeof meta.maxRecipients === 'number') tokens.push(`max-recipients=${meta.maxRecipients}`);
      return { Warning: `399 ${host} "${tokens.join(' ')}"` };
    },
  };
}
