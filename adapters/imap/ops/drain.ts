/**
 * Processes every mail of the selected mailbox not yet processed, oldest UID first:
 * process, record the UID, then move it to the processed folder. A crash after the
 * record leaves the mail in place; the next drain finds its UID at or below the cursor
 * and only moves it. A crash before the record processes it again (processors are
 * idempotent), so no mail is missed and none has its effect twice.
 */
import type { ImapFlow } from 'imapflow';
import type { Logger } from '../../../src/logger.js';
import type { MailboxCursorStore, MailProcessor } from '../../../src/ports/mailbox-watcher.port.js';
import { imapError } from '../imap-error.js';
import { expectState, type ImapSession } from '../session-state.js';

export interface DrainContext {
  readonly watcher: string;
  readonly mailbox: string;
  readonly cursors: MailboxCursorStore;
  readonly processor: MailProcessor;
  readonly log: Logger;
  /** Checked between mails: a stopping watcher finishes the mail in hand only. */
  readonly stopping: () => boolean;
}

async function move(client: ImapFlow, uid: number, to: string): Promise<void> {
  try {
    await client.messageMove(String(uid), to, { uid: true });
  } catch (err) {
    throw imapError(err, `move UID ${uid} to ${to}`);
  }
}

/**
 * @returns how many mails were processed.
 * @throws GW_ERR_IMAP_STATE outside `draining`; GW_ERR_IMAP_FAILED; whatever the
 *   processor or the cursor store throw (transient: the drain stops at that mail).
 */
export async function drain(session: ImapSession, context: DrainContext): Promise<number> {
  const { client, uidValidity, processedPath } = expectState(session, 'draining', 'drain');
  const { watcher, mailbox, cursors, processor, log } = context;
  const cursor = await cursors.getCursor(watcher);
  let last = cursor?.uidValidity === uidValidity ? cursor.lastUid : 0;
  if (cursor !== undefined && cursor.uidValidity !== uidValidity) {
    // RFC 3501 §2.3.1.1: the old UIDs mean nothing now. Every mail still in the mailbox
    // is unprocessed or processed-but-not-moved; processors are idempotent, so read all.
    log.warn({ watcher, was: cursor.uidValidity, now: uidValidity }, 'UIDVALIDITY changed: reading the whole mailbox again');
  }
  let uids: number[];
  try {
    const found = await client.search({ all: true }, { uid: true });
    uids = (Array.isArray(found) ? found : []).sort((a, b) => a - b);
  } catch (err) {
    throw imapError(err, `search ${mailbox}`);
  }
  for (const uid of uids.filter((u) => u <= last)) await move(client, uid, processedPath);
  let processed = 0;
  for (const uid of uids.filter((u) => u > last)) {
    if (context.stopping()) break;
    let source: Buffer | undefined;
    try {
      const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      source = message === false ? undefined : message.source;
    } catch (err) {
      throw imapError(err, `fetch UID ${uid}`);
    }
    if (source !== undefined) {
      const outcome = await processor(source, { watcher, mailbox, uidValidity, uid });
      log.info({ watcher, uid, outcome }, 'mail processed');
      processed += 1;
    }
    await cursors.saveCursor(watcher, { uidValidity, lastUid: uid });
    last = uid;
    await move(client, uid, processedPath);
  }
  return processed;
}
