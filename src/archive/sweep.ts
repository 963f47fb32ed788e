/**
 * Crash safety and lag: messages marked due whose job went missing (a crash between the
 * mark and the enqueue, a Redis that lost its data, a job that ran out of attempts) are
 * queued again; the jobs' ids are the mark's generation, so a job still waiting is not
 * duplicated.
 */
import type { ArchiveStore, ArchiveLag } from '../ports/archive-store.port.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { archiveJobId } from './trigger.js';

/** How many due messages one sweep queues at most (the next sweep takes the rest). */
export const ARCHIVE_SWEEP_BATCH = 1000;

/**
 * Queues a job for every message due for longer than `graceMs`.
 * @returns how many were queued (already-present jobs count: BullMQ ignores the duplicate id).
 * @throws GW_ERR_DB_UNREACHABLE, GW_ERR_REDIS_UNREACHABLE
 */
export async function sweepArchive(deps: { readonly store: ArchiveStore; readonly jobs: JobQueue; readonly log: Logger }, graceMs: number): Promise<number> {
  const due = await deps.store.listDue(new Date(Date.now() - graceMs), ARCHIVE_SWEEP_BATCH);
  await deps.jobs.enqueueBulk(
    'archive',
    due.map((d) => ({ payload: { messageId: d.messageId }, options: { jobId: archiveJobId(d.messageId, d.generation) } })),
  );
  if (due.length > 0) deps.log.debug({ count: due.length }, 'archive sweep queued due messages');
  return due.length;
}

/** `lagging: 12 messages, oldest 40 s` — what /readyz shows. */
export function describeLag(lag: ArchiveLag, now: Date = new Date()): string {
  if (lag.count === 0 || lag.oldestSince === undefined) return 'up (nothing waiting)';
  const seconds = Math.max(0, Math.round((now.getTime() - lag.oldestSince.getTime()) / 1000));
  return `lagging: ${lag.count} message${lag.count === 1 ? '' : 's'}, oldest ${seconds} s`;
}

/** Publishes the lag as herald_archive_backlog and herald_archive_oldest_seconds. */
export function recordLag(metrics: Metrics, lag: ArchiveLag, now: Date = new Date()): void {
  metrics.archiveBacklog.set(lag.count);
  metrics.archiveOldestSeconds.set(lag.oldestSince === undefined ? 0 : Math.max(0, (now.getTime() - lag.oldestSince.getTime()) / 1000));
}
