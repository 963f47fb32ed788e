/**
 * The `archive` job: appends what a message still lacks in the archive, exactly once.
 *
 * Exactly once, across retries, crashes and nodes:
 * - the message is claimed in the ledger first (a lease), so two workers never append it
 *   at the same time; a crashed worker's claim simply runs out;
 * - items already recorded (archive_items) are skipped without asking the server;
 * - a conversation's root mail, shared by its messages, is appended by one message's job
 *   only (archive_roots picks it);
 * - every other item is looked for by Message-ID (SEARCH HEADER) in its folder before it
 *   is appended, which covers a crash between the server's OK and the record;
 * - the work-list row is deleted only when nothing new arrived while the job ran.
 */
import { randomBytes } from 'node:crypto';
import type { JobHandler } from '../ports/job-queue.port.js';
import type { ArchiveMailboxes } from '../ports/archive-mailboxes.port.js';
import type { ArchiveStore, ArchivedItem } from '../ports/archive-store.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { MsrpSessionStore } from '../ports/msrp-session-store.port.js';
import { heraldError, isHeraldError, toHeraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { copiesFor } from './copies.js';
import { lookUpPeople } from './people.js';
import { planItems, rootKeys } from './plan.js';
import type { ArchiveSettings } from './settings.js';

export interface ArchiveHandlerDeps {
  readonly settings: ArchiveSettings;
  readonly ledger: Pick<Ledger, 'getMessage' | 'listDeliveries' | 'listEvents' | 'directory'>;
  readonly store: ArchiveStore;
  readonly mailboxes: ArchiveMailboxes;
  /** Where a session message's MSRP session is found (X-Herald-Session); absent, none is named. */
  readonly sessions?: Pick<MsrpSessionStore, 'ofMessages'> | undefined;
  readonly metrics?: Metrics | undefined;
  readonly log: Logger;
}

/** Longest wait before looking again at a message another job holds. */
export const BUSY_RETRY_MAX_MS = 2000;

/** Jittered exponential wait before the next try while the server is away, capped. */
export function archiveRetryMs(attempt: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * @throws GW_ERR_ARCHIVE_BUSY while another worker holds the message; GW_ERR_IMAP_FAILED
 *   when an append failed (with retryAfterMs capped by archive.retryMaxMs);
 *   GW_ERR_DB_UNREACHABLE. All transient: the queue retries.
 */
export function createArchiveHandler(deps: ArchiveHandlerDeps): JobHandler<'archive'> {
  const { settings, ledger, store, mailboxes, metrics } = deps;
  const processId = `${process.pid}-${randomBytes(6).toString('hex')}`;
  return async ({ messageId }, context) => {
    const log = deps.log.child({ msgId: messageId, jobId: context.jobId });
    // One owner per job run: two jobs of one message (two changes in quick succession)
    // exclude each other even in one process.
    const owner = `${processId}/${context.jobId}/${context.attempt}`;
    const claim = await store.claim(messageId, owner, settings.claimMs);
    if (claim.kind === 'none') return;
    if (claim.kind === 'busy') {
      // The holder usually finishes within a second; a crashed one's lease runs out, and
      // these short tries take over soon after.
      const waitMs = Math.min(Math.max(100, claim.until.getTime() - Date.now()), BUSY_RETRY_MAX_MS) + Math.round(Math.random() * 500);
      throw heraldError('GW_ERR_ARCHIVE_BUSY', `message ${messageId}`, { meta: { retryAfterMs: waitMs } });
    }
    let done = false;
    try {
      done = await archiveMessage(messageId, context.attempt);
    } finally {
      await store.release(messageId, owner, claim.generation, done).catch((err: unknown) => log.warn({ err }, 'archive claim not released; it runs out'));
    }

    async function archiveMessage(id: string, attempt: number): Promise<boolean> {
      const message = await ledger.getMessage(id);
      if (message === undefined) return true;
      const [deliveries, events, sessions] = await Promise.all([ledger.listDeliveries(id), ledger.listEvents(id), deps.sessions?.ofMessages([id])]);
      const people = await lookUpPeople(message, deliveries, ledger.directory);
      const copies = copiesFor(message, deliveries, settings, people);
      if (copies.length === 0) {
        log.debug({}, 'message not archived: no archived user or no account');
        return true;
      }
      const archived = await store.archivedKeys(id);
      // A conversation's root mail is shared by its messages: the store picks the one job that appends it.
      const roots = await store.claimRoots(id, rootKeys(copies).filter((key) => !archived.has(key)));
      const pending = planItems({ message, deliveries, events, copies, domain: settings.messageIdDomain, subjectTemplate: settings.subjectTemplate, roots, people, session: sessions?.get(id) }).filter(
        (item) => !archived.has(item.itemKey),
      );
      // All at once: the adapter queues them per folder in this order and batches them
      // with other jobs' items over that folder's one connection.
      const results = await Promise.allSettled(
        pending.map((item) =>
          mailboxes.append({ account: item.account, mailbox: item.mailbox, rfcMessageId: item.rfcMessageId, raw: item.compose(), internalDate: item.internalDate, msgId: id }),
        ),
      );
      const recorded: ArchivedItem[] = [];
      let failure: unknown;
      results.forEach((result, i) => {
        const item = pending[i];
        if (item === undefined) return;
        if (result.status === 'rejected') {
          failure ??= result.reason;
          metrics?.archiveAppends.inc({ outcome: 'failed' });
          return;
        }
        metrics?.archiveAppends.inc({ outcome: result.value.existed ? 'existing' : 'appended' });
        recorded.push({ itemKey: item.itemKey, messageId: id, mailbox: item.mailbox, rfcMessageId: item.rfcMessageId, uidValidity: result.value.uidValidity, uid: result.value.uid });
      });
      await store.recordArchived(recorded);
      if (recorded.length > 0) log.info({ appended: recorded.length, folders: [...new Set(recorded.map((r) => r.mailbox))] }, 'archived');
      if (failure !== undefined) {
        const err = toHeraldError(failure);
        const retryAfterMs = archiveRetryMs(attempt, settings.retryMaxMs);
        log.warn({ err, attempt, retryAfterMs, pending: pending.length - recorded.length }, 'archive append failed; will retry');
        throw isHeraldError(err) && !err.permanent ? heraldError(err.code, err.detail, { cause: err.cause, meta: { ...err.meta, retryAfterMs } }) : err;
      }
      return true;
    }
  };
}
