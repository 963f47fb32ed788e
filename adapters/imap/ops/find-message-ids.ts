/**
 * Which of some Message-IDs the selected archive folder already holds: one SEARCH
 * (`OR HEADER Message-ID …`, RFC 3501 §6.4.4) for the whole batch, then the hits' envelopes
 * to compare ids exactly (HEADER matches substrings).
 */
import type { SearchObject } from 'imapflow';
import { imapError } from '../imap-error.js';
import { withDeadline } from '../deadline.js';
import { expectArchiveState, type ArchiveSession } from '../archive-session.js';

/** Most ids in one SEARCH: keeps the command line well under server limits (Dovecot: 64 KiB). */
export const FIND_MAX_IDS = 200;

/**
 * @returns Message-ID (as given, `<…>`) → UID, for the ids present.
 * @throws GW_ERR_IMAP_STATE outside `open`; GW_ERR_IMAP_FAILED
 */
export async function findMessageIds(session: ArchiveSession, ids: readonly string[], timeoutMs: number): Promise<Map<string, number>> {
  const { client, path } = expectArchiveState(session, 'open', 'findMessageIds');
  const found = new Map<string, number>();
  for (let i = 0; i < ids.length; i += FIND_MAX_IDS) {
    const chunk = ids.slice(i, i + FIND_MAX_IDS);
    const terms: SearchObject[] = chunk.map((id) => ({ header: { 'message-id': id } }));
    const query: SearchObject = terms.length === 1 ? (terms[0] ?? {}) : { or: terms };
    let uids: number[];
    try {
      const hits = await withDeadline(client, client.search(query, { uid: true }), timeoutMs, `search ${path}`);
      uids = Array.isArray(hits) ? hits : [];
    } catch (err) {
      throw imapError(err, `search ${path}`);
    }
    if (uids.length === 0) continue;
    const wanted = new Set(chunk.map((id) => id.toLowerCase()));
    try {
      const messages = await withDeadline(client, client.fetchAll(uids, { uid: true, envelope: true }, { uid: true }), timeoutMs, `fetch ${path}`);
      for (const message of messages) {
        const id = message.envelope?.messageId?.trim().toLowerCase();
        if (id !== undefined && wanted.has(id)) found.set(chunk.find((c) => c.toLowerCase() === id) ?? id, message.uid);
      }
    } catch (err) {
      throw imapError(err, `fetch ${path}`);
    }
  }
  return found;
}
