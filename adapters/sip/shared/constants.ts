/** Methods Herald's SIP edges hand to the core; everything else gets 405 with Allow. */
export const HANDLED_METHODS: readonly string[] = ['MESSAGE', 'OPTIONS'];

export const ALLOW_HEADER = HANDLED_METHODS.join(', ');

/** Methods added in session mode (RFC 4975 sessions set up by INVITE, refreshed by re-INVITE or UPDATE (RFC 4028, RFC 3311), ended by BYE). */
export const SESSION_METHODS: readonly string[] = ['INVITE', 'BYE', 'UPDATE'];

/** The Allow value for the methods an edge serves; with INVITE, ACK and CANCEL come too (RFC 3261 §20.5). */
export function allowHeader(handled: readonly string[]): string {
  return handled.includes('INVITE') ? ['INVITE', 'ACK', 'CANCEL', ...handled.filter((m) => m !== 'INVITE')].join(', ') : handled.join(', ');
}

/** RFC 3261 §8.1.1.6 recommends 70. */
export const MAX_FORWARDS = 70;

/**
 * RFC 4320 §4.1: a non-INVITE server answers 100 Trying once the client's Timer E would
 * have reached T2 (0.5 + 1 + 2 s), never earlier over UDP; this stops a slow handler from
 * driving the client into needless retransmissions.
 */
export const TRYING_AFTER_MS = 3_500;

/** Header names an edge writes itself; a reply's extra headers may not override them. */
export const MANAGED_HEADERS: ReadonlySet<string> = new Set([
  'via',
  'from',
  'to',
  'call-id',
  'cseq',
  'content-length',
  'content-type',
  'max-forwards',
]);

/** RFC 3261 §7.3.3 compact header names. */
export const COMPACT_HEADER_NAMES: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  r: 'refer-to',
  u: 'allow-events',
  x: 'session-expires',
  a: 'accept-contact',
  b: 'referred-by',
  j: 'reject-contact',
  d: 'request-disposition',
};

/**
 * A header name, lower case, with its compact form expanded. Own keys only: a header named
 * `__proto__` or `constructor` must not pick up Object.prototype members from the table.
 */
export function fullHeaderName(lower: string): string {
  return Object.hasOwn(COMPACT_HEADER_NAMES, lower) ? (COMPACT_HEADER_NAMES[lower] ?? lower) : lower;
}
