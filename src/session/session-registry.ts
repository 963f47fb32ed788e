/**
 * The chat sessions open on this node, found three ways: by the INVITE's Call-ID (BYE), by
 * the IM user and the far party (an MO SMS or email reply goes into the session, as
 * TS 29.311 has it), and by the imdn.Message-ID of a message sent in it (its IMDNs go back inside).
 */
import type { MsrpSession } from '../ports/msrp-endpoint.port.js';
import { splitUri } from '../routing/route-recipient.js';

export interface OpenSession {
  readonly callId: string;
  /** Who invited: the IM user (INVITE From). */
  readonly imUser: string;
  /** Where the session goes, as routed (tel:+E164 or mailto:…). */
  readonly farParty: string;
  readonly largeMessageMode: boolean;
  readonly msrp: MsrpSession;
  /** The dialog's tags (RFC 3261 §12): a BYE must name both to end the session. */
  readonly tags: { readonly local: string; readonly remote: string | undefined };
  /** Herald's SDP answer: a refresh (re-INVITE, UPDATE with SDP) gets it again, unchanged. */
  readonly answerSdp: string;
}

/** user@host of a SIP URI, without port and parameters: how an IM user is matched. */
export function imUserKey(uri: string): string {
  try {
    const parts = splitUri(uri);
    return `${parts.user ?? ''}@${(parts.host ?? '').replace(/:\d+$/, '')}`;
  } catch {
    return uri;
  }
}

/** Most imdn.Message-IDs remembered per session: the IMDNs of older messages go as MESSAGE. */
const MAX_IMDN_IDS = 1_000;

export class SessionRegistry {
  readonly #byCallId = new Map<string, OpenSession>();
  readonly #byParties = new Map<string, OpenSession>();
  readonly #byImdnId = new Map<string, OpenSession>();
  readonly #imdnIdsOf = new Map<OpenSession, string[]>();

  get size(): number {
    return this.#byCallId.size;
  }

  add(session: OpenSession): void {
    this.#byCallId.set(session.callId, session);
    // The newest session between two parties takes their traffic.
    this.#byParties.set(`${imUserKey(session.imUser)}\n${session.farParty}`, session);
    this.#imdnIdsOf.set(session, []);
  }

  remove(session: OpenSession): void {
    this.#byCallId.delete(session.callId);
    const key = `${imUserKey(session.imUser)}\n${session.farParty}`;
    if (this.#byParties.get(key) === session) this.#byParties.delete(key);
    for (const id of this.#imdnIdsOf.get(session) ?? []) this.#byImdnId.delete(`${imUserKey(session.imUser)}\n${id}`);
    this.#imdnIdsOf.delete(session);
  }

  byCallId(callId: string): OpenSession | undefined {
    return this.#byCallId.get(callId);
  }

  byParties(imUser: string, farParty: string): OpenSession | undefined {
    return this.#byParties.get(`${imUserKey(imUser)}\n${farParty}`);
  }

  /** Remembers that a message with this imdn.Message-ID from the session's user was sent in it. */
  rememberImdnId(session: OpenSession, imdnMessageId: string): void {
    const ids = this.#imdnIdsOf.get(session);
    if (ids === undefined) return;
    ids.push(imdnMessageId);
    this.#byImdnId.set(`${imUserKey(session.imUser)}\n${imdnMessageId}`, session);
    const old = ids.length > MAX_IMDN_IDS ? ids.shift() : undefined;
    if (old !== undefined) this.#byImdnId.delete(`${imUserKey(session.imUser)}\n${old}`);
  }

  byImdnId(imUser: string, imdnMessageId: string): OpenSession | undefined {
    return this.#byImdnId.get(`${imUserKey(imUser)}\n${imdnMessageId}`);
  }

  all(): OpenSession[] {
    return [...this.#byCallId.values()];
  }
}
