/**
 * The one error catalogue. Every failure Herald reports is a {@link HeraldError} built
 * here, so a code always maps to the same HTTP status, SIP status and retry class.
 *
 * Codes are `GW_ERR_<AREA>_<WHAT>` and are never reused once retired. Each is listed in
 * docs/errors.md (a test keeps the two in step).
 */

interface ErrorSpec {
  /** Human-readable template; `%s` is replaced by the detail given at the throw site. */
  readonly message: string;
  readonly http: number;
  /** SIP final status used when this error ends a SIP transaction. */
  readonly sip: number;
  /** Permanent errors are not retried by the queues; transient ones back off and retry. */
  readonly permanent: boolean;
  /**
   * A transient error that is the design working, not trouble: the job waits its turn
   * (an earlier IMDN goes first, another node holds the message). Retried like any
   * transient error, logged at debug (see {@link retryClass}).
   */
  readonly waits: boolean;
}

function spec(message: string, http: number, sip: number, permanent = true): ErrorSpec {
  return { message, http, sip, permanent, waits: false };
}

function waiting(message: string, http: number, sip: number): ErrorSpec {
  return { message, http, sip, permanent: false, waits: true };
}

export const ERROR_CATALOGUE = {
  // Configuration and start-up
  GW_ERR_CONFIG_INVALID: spec('invalid configuration: %s', 500, 500),
  GW_ERR_CONFIG_FILE: spec('cannot read configuration file: %s', 500, 500),
  GW_ERR_DB_UNREACHABLE: spec('database unreachable: %s', 503, 503, false),
  // The database answers, but every pooled connection stayed in use for the pool's whole
  // wait (a load peak, long transactions): retried like an unreachable one.
  GW_ERR_DB_BUSY: spec('database busy: %s', 503, 503, false),
  GW_ERR_REDIS_UNREACHABLE: spec('Redis unreachable: %s', 503, 503, false),
  GW_ERR_REDIS_MISSING: spec('Redis is needed: %s', 500, 500),
  GW_ERR_GATEWAY_SHUTTING_DOWN: spec('shutting down: %s', 503, 503, false),
  GW_ERR_GATEWAY_OVERLOADED: spec('overloaded: %s', 503, 503, false),
  GW_ERR_GATEWAY_INTERNAL: spec('internal error: %s', 500, 500, false),

  // Ledger and delivery state
  GW_ERR_LEDGER_NOT_FOUND: spec('not found: %s', 404, 404),
  GW_ERR_LEDGER_CONFLICT: spec('concurrent update lost: %s', 409, 500, false),
  GW_ERR_STATE_ILLEGAL_TRANSITION: spec('illegal delivery state transition: %s', 409, 500),

  // SIP ingress
  GW_ERR_SIP_MALFORMED: spec('malformed SIP request: %s', 400, 400),
  GW_ERR_SIP_FORBIDDEN: spec('peer not allowed: %s', 403, 403),
  GW_ERR_SIP_UNAUTHORIZED: spec('authentication required: %s', 401, 401),
  // The sender claimed (SIP From, CPIM From) is not who authenticated (digest user, asserted identity).
  GW_ERR_SIP_IDENTITY_MISMATCH: spec('sender is not the authenticated identity: %s', 403, 403),
  // Bytes no header may carry (NUL, other controls, invalid UTF-8): refused before anything stores them.
  GW_ERR_SIP_INVALID_BYTES: spec('invalid bytes in a header: %s', 400, 400),
  GW_ERR_SIP_METHOD: spec('method not allowed: %s', 405, 405),
  GW_ERR_SIP_EXTENSION: spec('unsupported extension: %s', 420, 420),
  GW_ERR_SIP_SEND_FAILED: spec('SIP request failed: %s', 502, 500, false),
  GW_ERR_IMDN_WAITING: waiting('IMDN waits for an earlier one: %s', 503, 503),
  GW_ERR_SIP_LISTEN_FAILED: spec('SIP edge cannot start: %s', 500, 500),
  GW_ERR_ROUTE_UNROUTABLE: spec('no route for recipient: %s', 404, 404),
  GW_ERR_ABUSE_DESTINATION_DENIED: spec('destination not allowed: %s', 403, 403),
  GW_ERR_ABUSE_RATE_LIMITED: spec('rate limit reached: %s', 429, 403, false),
  GW_ERR_CONTENT_TOO_LARGE: spec('content too large: %s', 413, 413),
  GW_ERR_CONTENT_UNSUPPORTED_TYPE: spec('unsupported content type: %s', 415, 415),
  GW_ERR_CONTENT_UNSUPPORTED_ENCODING: spec('unsupported content encoding: %s', 415, 415),
  GW_ERR_CONTENT_CHARSET: spec('invalid text for its charset: %s', 400, 400),

  // Session mode (MSRP, RFC 4975; SDP offer/answer, RFC 3264/4975 §8). An SDP offer Herald
  // cannot answer is 488 (RFC 3261 §21.4.26); an MSRP transport failure is retried.
  GW_ERR_MSRP_MALFORMED: spec('malformed MSRP frame: %s', 400, 400),
  GW_ERR_MSRP_SEND_FAILED: spec('MSRP send failed: %s', 502, 500, false),
  GW_ERR_SDP_UNACCEPTABLE: spec('SDP offer not acceptable: %s', 488, 488),
  // msrps (RFC 4975 §14.2): the peer's TLS certificate is not the one its SDP a=fingerprint
  // names. Not retried: the same peer presents the same certificate again.
  GW_ERR_MSRP_FINGERPRINT: spec('peer certificate does not match its SDP fingerprint: %s', 403, 403),

  // Codecs
  GW_ERR_CPIM_MALFORMED: spec('malformed CPIM: %s', 400, 400),
  GW_ERR_IMDN_MALFORMED: spec('malformed IMDN: %s', 400, 400),
  GW_ERR_ISCOMPOSING_MALFORMED: spec('malformed isComposing: %s', 400, 400),
  GW_ERR_RESOURCE_LISTS_MALFORMED: spec('malformed resource-lists: %s', 400, 400),
  GW_ERR_MULTIPART_MALFORMED: spec('malformed multipart body: %s', 400, 400),
  GW_ERR_XML_MALFORMED: spec('malformed XML: %s', 400, 400),
  GW_ERR_XML_FORBIDDEN: spec('XML construct refused: %s', 400, 400),
  GW_ERR_XML_LIMIT: spec('XML exceeds a limit: %s', 413, 413),
  GW_ERR_ENCODING_CORRUPT: spec('corrupt compressed body: %s', 400, 400),
  GW_ERR_ENCODING_LIMIT: spec('inflated body too large: %s', 413, 413),
  GW_ERR_GSM_UNENCODABLE: spec('text cannot be encoded: %s', 400, 488),
  GW_ERR_SMPP_RECEIPT_MALFORMED: spec('malformed delivery receipt: %s', 400, 400),
  GW_ERR_DSN_MALFORMED: spec('malformed delivery status notification: %s', 400, 400),
  GW_ERR_MDN_MALFORMED: spec('malformed disposition notification: %s', 400, 400),
  GW_ERR_MIME_MALFORMED: spec('malformed MIME message: %s', 400, 400),

  // SMPP (SMSC binds). Only a refusal the SMSC means for good is permanent; throttling,
  // lost binds and missing resps are retried (the submit may be resent, see docs/sms.md).
  GW_ERR_SMPP_UNAVAILABLE: spec('no SMSC bind available: %s', 503, 503, false),
  GW_ERR_SMPP_STATE: spec('SMPP operation in the wrong session state: %s', 503, 503, false),
  GW_ERR_SMPP_BIND_FAILED: spec('SMPP bind failed: %s', 503, 503, false),
  GW_ERR_SMPP_THROTTLED: spec('SMSC asked to slow down: %s', 503, 503, false),
  GW_ERR_SMPP_SUBMIT_TIMEOUT: spec('no submit_sm_resp in time: %s', 504, 504, false),
  GW_ERR_SMPP_SUBMIT_FAILED: spec('SMSC submit failed: %s', 502, 502, false),
  GW_ERR_SMPP_SUBMIT_REJECTED: spec('SMSC refused the message: %s', 502, 502),

  // Email (SMTP out, IMAP in). Only a 5xx to the message itself is permanent: a 4xx, a
  // lost connection or a refused login may pass, so those are retried.
  GW_ERR_SMTP_UNAVAILABLE: spec('SMTP relay unavailable: %s', 503, 503, false),
  GW_ERR_SMTP_DEFERRED: spec('SMTP relay deferred the message: %s', 503, 503, false),
  GW_ERR_SMTP_REJECTED: spec('SMTP relay refused the message: %s', 502, 502),
  GW_ERR_EMAIL_ADDRESS: spec('not a usable email address: %s', 400, 404),
  GW_ERR_IMAP_STATE: spec('IMAP operation in the wrong session state: %s', 503, 503, false),
  GW_ERR_IMAP_FAILED: spec('IMAP mailbox unavailable: %s', 503, 503, false),
  // Archive: another node holds the message (it retries once that node's claim ends).
  GW_ERR_ARCHIVE_BUSY: waiting('message being archived elsewhere: %s', 503, 503),

  // Admin REST API. SIP statuses are never used (these end HTTP requests only) but are
  // kept valid: 429 has no SIP twin, so it maps to 500.
  GW_ERR_API_UNAUTHENTICATED: spec('authentication required: %s', 401, 401),
  GW_ERR_API_FORBIDDEN: spec('forbidden: %s', 403, 403),
  GW_ERR_API_CSRF: spec('CSRF check failed: %s', 403, 403),
  GW_ERR_API_VALIDATION: spec('invalid request: %s', 400, 400),
  GW_ERR_API_NOT_FOUND: spec('not found: %s', 404, 404),
  GW_ERR_API_RATE_LIMITED: spec('too many attempts: %s', 429, 500, false),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface HeraldErrorOptions {
  readonly cause?: unknown;
  /** Machine-readable facts for the caller (e.g. `{ maxBytes: 1300 }` for a 413). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly sipStatus: number;
  readonly permanent: boolean;
  readonly detail: string;
  readonly meta: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail: string, options: HeraldErrorOptions = {}) {
    const entry: ErrorSpec = ERROR_CATALOGUE[code];
    super(entry.message.replace('%s', detail), { cause: options.cause });
    this.name = 'HeraldError';
    this.code = code;
    this.detail = detail;
    this.httpStatus = entry.http;
    this.sipStatus = entry.sip;
    this.permanent = entry.permanent;
    this.meta = options.meta ?? {};
  }
}

/** Builds a catalogued error. The only way Herald code creates errors it reports. */
export function heraldError(code: ErrorCode, detail: string, options?: HeraldErrorOptions): HeraldError {
  return new HeraldError(code, detail, options);
}

export function isHeraldError(value: unknown, code?: ErrorCode): value is HeraldError {
  return value instanceof HeraldError && (code === undefined || value.code === code);
}

/**
 * How a failure is to be treated and logged, from the catalogue alone:
 * - `permanent`: not retried; a final failure.
 * - `waits`: retried; the design working (catalogue `waits`), worth a debug line at most.
 * - `retried`: retried for a catalogued, expected reason (an outage, a lost race, a far
 *   side saying "later"): an info line with its code, no stack.
 * - `unexpected`: anything not catalogued, or GW_ERR_GATEWAY_INTERNAL (what
 *   {@link toHeraldError} wraps it in): retried, but a stack is what helps.
 */
export type RetryClass = 'permanent' | 'waits' | 'retried' | 'unexpected';

export function retryClass(value: unknown): RetryClass {
  if (!isHeraldError(value) || value.code === 'GW_ERR_GATEWAY_INTERNAL') return 'unexpected';
  if (value.permanent) return 'permanent';
  return ERROR_CATALOGUE[value.code].waits ? 'waits' : 'retried';
}

/** Wraps anything thrown into a HeraldError, keeping catalogued errors as they are. */
export function toHeraldError(value: unknown): HeraldError {
  if (value instanceof HeraldError) return value;
  const detail = value instanceof Error ? value.message : String(value);
  return new HeraldError('GW_ERR_GATEWAY_INTERNAL', detail, { cause: value });
}
