/**
 * The state of one mailbox watcher's IMAP session, as a union (STYLE rule 7): what holds
 * in each state is in its type, and every operation starts with a guard that throws
 * GW_ERR_IMAP_STATE when called in the wrong one, never returning quietly.
 */
import type { ImapFlow } from 'imapflow';
import { heraldError } from '../../src/errors.js';
import type { MailboxWatcherState } from '../../src/ports/mailbox-watcher.port.js';

export type ImapSession =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'connecting'; readonly attempt: number }
  /** Logged in, the watched mailbox selected, ready for commands. */
  | { readonly kind: 'draining'; readonly client: ImapFlow; readonly uidValidity: string; readonly processedPath: string }
  /** In IDLE: the only command allowed is ending it (NOOP, which also proves the link alive). */
  | { readonly kind: 'idling'; readonly client: ImapFlow; readonly uidValidity: string; readonly processedPath: string }
  | { readonly kind: 'backoff'; readonly attempt: number; readonly lastError: string };

export type SessionKind = ImapSession['kind'];

/** Narrows `session` to `kind`. @throws GW_ERR_IMAP_STATE naming the operation and both states. */
export function expectState<K extends SessionKind>(session: ImapSession, kind: K, operation: string): Extract<ImapSession, { kind: K }> {
  if (session.kind !== kind) {
    throw heraldError('GW_ERR_IMAP_STATE', `${operation} needs state ${kind}, session is ${session.kind}`, { meta: { operation, expected: kind, actual: session.kind } });
  }
  return session as Extract<ImapSession, { kind: K }>;
}

/** The port's coarser view of a session. */
export function publicState(session: ImapSession): MailboxWatcherState {
  return session.kind;
}
