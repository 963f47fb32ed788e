/**
 * Session timers (RFC 4028) for the sessions Herald answers as UAS. Herald never sends
 * refreshes itself, so it only ever takes the role the RFC gives the side that does not
 * refresh: the client (refresher=uac) re-INVITEs or UPDATEs before the interval ends, and
 * Herald sends BYE when no refresh came in time (§10).
 *
 * - Session-Expires below Herald's Min-SE → 422 with Min-SE (§8.1, §9).
 * - A client that says `Supported: timer` gets Session-Expires in the 2xx with
 *   refresher=uac: its own interval, or `defaultSeconds` when it named none.
 * - A request that asks refresher=uas, or carries Session-Expires without `Supported: timer`
 *   (inserted by a proxy for a client that cannot refresh), would make Herald the
 *   refresher: the 2xx then carries no Session-Expires, which §7.2 reads as "no session
 *   expiration"; the session still ends at its MSRP idle timeout.
 * Pure: no clock, no I/O.
 */
import type { SipIncomingRequest, SipReply } from '../ports/sip-edge.port.js';
import { reply } from '../ingress/sip-reply.js';

export interface SessionTimerSettings {
  /** Herald's Min-SE (RFC 4028 §5: at least 90 s on real networks). */
  readonly minSeconds: number;
  /** The interval Herald picks when the client supports timers and names none. */
  readonly defaultSeconds: number;
}

/** What was agreed: Herald expects a refresh within `seconds`. */
export interface SessionTimerTerms {
  readonly seconds: number;
}

export type TimerNegotiation =
  | { readonly ok: true; readonly terms: SessionTimerTerms | undefined; readonly headers: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly reply: SipReply };

/** The largest interval read; larger values are clamped (a timer cannot run for years). */
const MAX_SESSION_EXPIRES_SECONDS = 86_400;

/** Values of a header, comma lists split, lower-cased. */
function tokens(request: SipIncomingRequest, name: string): string[] {
  return (request.headers[name] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase());
}

/** `Session-Expires: 1800;refresher=uac` (compact `x`): the delta and the refresher, if well formed. */
export function parseSessionExpires(value: string | undefined): { seconds: number; refresher: 'uac' | 'uas' | undefined } | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d{1,10})\s*((?:;[^;]*)*)$/.exec(value);
  if (match === null) return undefined;
  const refresher = /;\s*refresher\s*=\s*(uac|uas)\b/i.exec(match[2] ?? '')?.[1]?.toLowerCase();
  return { seconds: Math.min(Number(match[1]), MAX_SESSION_EXPIRES_SECONDS), refresher: refresher === 'uac' || refresher === 'uas' ? refresher : undefined };
}

/**
 * Negotiates the timer of an INVITE or of a refresh (re-INVITE, UPDATE) in its dialog.
 * A malformed Session-Expires is treated as absent: the RFC's grammar has no error answer
 * of its own, and refusing a session over it would be harsher than page mode is.
 */
export function negotiateSessionTimer(request: SipIncomingRequest, settings: SessionTimerSettings): TimerNegotiation {
  const asked = parseSessionExpires(request.headers['session-expires']?.[0]);
  if (asked !== undefined && asked.seconds < settings.minSeconds) {
    return { ok: false, reply: reply(422, 'Session Interval Too Small', { 'Min-SE': String(settings.minSeconds) }) };
  }
  const supported = tokens(request, 'supported').includes('timer');
  if (!supported || asked?.refresher === 'uas') return { ok: true, terms: undefined, headers: {} };
  const seconds = Math.max(asked?.seconds ?? settings.defaultSeconds, settings.minSeconds);
  return { ok: true, terms: { seconds }, headers: { 'Session-Expires': `${seconds};refresher=uac`, Require: 'timer' } };
}

/**
 * RFC 4028 §10: the side that does not refresh sends BYE shortly before the interval ends,
 * at the interval minus the smaller of 32 s and a third of it.
 */
export function expiryDelayMs(terms: SessionTimerTerms): number {
  return Math.round((terms.seconds - Math.min(32, terms.seconds / 3)) * 1000);
}
