/**
 * The state of one archive folder's IMAP session, as a union (STYLE rule 7): every
 * operation starts with a guard that throws GW_ERR_IMAP_STATE in the wrong state.
 */
import type { ImapFlow } from 'imapflow';
import { heraldError } from '../../src/errors.js';

export type ArchiveSession =
  /** No connection (never opened, idled out, or lost): the next batch opens one. */
  | { readonly kind: 'closed' }
  | { readonly kind: 'opening' }
  /** Logged in with the folder created and selected: SEARCH and APPEND go here. */
  | { readonly kind: 'open'; readonly client: ImapFlow; readonly path: string; readonly uidValidity: string };

export type ArchiveSessionKind = ArchiveSession['kind'];

/** Narrows `session` to `kind`. @throws GW_ERR_IMAP_STATE naming the operation and both states. */
export function expectArchiveState<K extends ArchiveSessionKind>(session: ArchiveSession, kind: K, operation: string): Extract<ArchiveSession, { kind: K }> {
  if (session.kind !== kind) {
    throw heraldError('GW_ERR_IMAP_STATE', `${operation} needs state ${kind}, archive session is ${session.kind}`, { meta: { operation, expected: kind, actual: session.kind } });
  }
  return session as Extract<ArchiveSession, { kind: K }>;
}
