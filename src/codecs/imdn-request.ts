/**
 * The IMDN request a sender puts in the CPIM headers of an IM, and the CPIM headers of an
 * IMDN itself (RFC 5438 §6 "New CPIM Header Fields", the header ABNF, and the endpoint and
 * intermediary behaviour sections on constructing IMs and IMDNs and on IMDN-Record-Route).
 */
import type { ImdnRequestToken } from '../domain/message.js';
import { heraldError } from '../errors.js';
import {
  IMDN_HEADER_NS,
  cpimHeaderValues,
  formatCpimAddress,
  parseCpimAddress,
  type CpimAddress, type CpimHeader, type CpimMessage } from './cpim.js';
import { guardCodec } from './guard.js';

/** What the sender of an IM asked for, read from its CPIM headers. */
export interface ImdnRequest {
  /** `imdn.Message-ID`; absent when the sender sent none (then no IMDN can be correlated). */
  readonly messageId?: string | undefined;
  /** Requested notifications, de-duplicated, in the order first seen. */
  readonly dispositionNotification: readonly ImdnRequestToken[];
  /** `imdn.IMDN-Record-Route` URIs, topmost first. */
  readonly imdnRecordRoute: readonly string[];
  /** `imdn.IMDN-Route` URIs (present on IMDNs travelling back), topmost first. */
  readonly imdnRoute: readonly string[];
  /** `imdn.Original-To`: whom the sender addressed before any exploder rewrote To. */
  readonly originalTo?: CpimAddress | undefined;
  /** CPIM DateTime, which RFC 5438 requires next to an IMDN request. */
  readonly dateTime?: string | undefined;
}

const TOKENS: readonly ImdnRequestToken[] = ['positive-delivery', 'negative-delivery', 'display', 'processing', 'interworking'];

function malformed(detail: string): never {
  throw heraldError('GW_ERR_CPIM_MALFORMED', detail);
}

/**
 * Reads the IMDN request from parsed CPIM headers (RFC 5438 §6). Tokens are matched
 * case-insensitively with any spacing, and unknown tokens are ignored (the header ABNF
 * admits extension tokens, and OMA CPM already adds `interworking`). Headers are found
 * through their namespace, so `imdn.` works without an `NS:` line and another declared
 * prefix works too.
 *
 * @throws GW_ERR_CPIM_MALFORMED when two different `imdn.Message-ID` values are present
 *   (which one an IMDN would answer is then unknowable), or a route or Original-To header
 *   holds no URI.
 */
export function extractImdnRequest(msg: Pick<CpimMessage, 'headers' | 'dateTime'>): ImdnRequest {
  return guardCodec('GW_ERR_CPIM_MALFORMED', 'IMDN request', () => {
    const ids = [...new Set(cpimHeaderValues(msg, IMDN_HEADER_NS, 'Message-ID').filter((v) => v !== ''))];
    if (ids.length > 1) malformed('more than one imdn.Message-ID');
    const tokens: ImdnRequestToken[] = [];
    for (const value of cpimHeaderValues(msg, IMDN_HEADER_NS, 'Disposition-Notification')) {
      for (const raw of value.split(',')) {
        const token = TOKENS.find((t) => t === raw.trim().toLowerCase());
        if (token !== undefined && !tokens.includes(token)) tokens.push(token);
      }
    }
    const originals = cpimHeaderValues(msg, IMDN_HEADER_NS, 'Original-To');
    const originalTo = originals[0] === undefined ? undefined : parseCpimAddress(originals[0], 'imdn.Original-To');
    return {
      messageId: ids[0],
      dispositionNotification: tokens,
      imdnRecordRoute: routeUris(cpimHeaderValues(msg, IMDN_HEADER_NS, 'IMDN-Record-Route'), 'imdn.IMDN-Record-Route'),
      imdnRoute: routeUris(cpimHeaderValues(msg, IMDN_HEADER_NS, 'IMDN-Route'), 'imdn.IMDN-Route'),
      originalTo,
      dateTime: msg.dateTime,
    };
  });
}

// RFC 5438 gives one URI per header; some stacks comma-join several `<uri>` in one header,
// which is unambiguous once each is in angle brackets.
function routeUris(values: readonly string[], header: string): string[] {
  const uris: string[] = [];
  for (const value of values) {
    const bracketed = [...value.matchAll(/<([^<>]*)>/g)].map((m) => (m[1] ?? '').trim());
    if (bracketed.length > 1) {
      if (bracketed.some((u) => u === '')) malformed(`${header} holds an empty URI`);
      uris.push(...bracketed);
    } else {
      uris.push(parseCpimAddress(value, header).uri);
    }
  }
  return uris;
}

/**
 * Builds the `imdn.*` headers that ask for notifications on a message Herald originates
 * (RFC 5438 §6). `dateTime` is not a header here: it goes in the CPIM DateTime.
 * Pass `namespaces: [{ prefix: 'imdn', uri: IMDN_HEADER_NS }]` or let serializeCpim add it.
 *
 * @throws GW_ERR_CPIM_MALFORMED when a URI cannot be written in angle brackets.
 */
export function buildImdnRequestHeaders(request: Omit<ImdnRequest, 'dateTime'>): CpimHeader[] {
  const headers: CpimHeader[] = [];
  const add = (name: string, value: string): void => {
    headers.push({ name: `imdn.${name}`, value, ns: IMDN_HEADER_NS });
  };
  if (request.messageId !== undefined) add('Message-ID', request.messageId);
  if (request.dispositionNotification.length > 0) add('Disposition-Notification', request.dispositionNotification.join(', '));
  if (request.originalTo !== undefined) add('Original-To', formatCpimAddress(request.originalTo, 'imdn.Original-To'));
  for (const uri of request.imdnRecordRoute) add('IMDN-Record-Route', formatCpimAddress({ uri }, 'imdn.IMDN-Record-Route'));
  for (const uri of request.imdnRoute) add('IMDN-Route', formatCpimAddress({ uri }, 'imdn.IMDN-Route'));
  return headers;
}

/** What the CPIM wrapper of an IMDN needs. */
export interface ImdnWrapperOptions {
  /** A fresh imdn.Message-ID for the IMDN itself (RFC 5438: unique, ≥32 random bits). */
  readonly messageId: string;
  readonly dateTime: string;
  /** Who reports: the recipient of the original message (or Herald on its behalf). */
  readonly from: CpimAddress;
  /** The original sender (its CPIM From). */
  readonly to: CpimAddress;
  /** The original IMDN-Record-Route, copied in order into IMDN-Route (RFC 5438 §6, IMDN-Route). */
  readonly route?: readonly string[] | undefined;
}

/**
 * Builds the CPIM headers of an IMDN (RFC 5438, constructing IMDNs): From, To, DateTime,
 * `NS: imdn`, a fresh `imdn.Message-ID`, any `imdn.IMDN-Route`, and block 2
 * `Content-Type: message/imdn+xml` with `Content-Disposition: notification`.
 * Add the XML as `body` and pass the result to serializeCpim.
 *
 * @throws GW_ERR_CPIM_MALFORMED when a route URI cannot be written in angle brackets.
 */
export function buildImdnCpimWrapper(options: ImdnWrapperOptions): Omit<CpimMessage, 'body'> {
  const headers = buildImdnRequestHeaders({
    messageId: options.messageId,
    dispositionNotification: [],
    imdnRecordRoute: [],
    imdnRoute: options.route ?? [],
  });
  return {
    from: options.from,
    to: [options.to],
    cc: [],
    dateTime: options.dateTime,
    subjects: [],
    namespaces: [{ prefix: 'imdn', uri: IMDN_HEADER_NS }],
    headers,
    contentType: 'message/imdn+xml',
    contentHeaders: [{ name: 'Content-Disposition', value: 'notification' }],
  };
}
