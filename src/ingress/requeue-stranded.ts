/**
 * A delivery is persisted before its job is enqueued, so a crash between the two leaves
 * it `accepted` with no job. This sweep finds such deliveries and enqueues them again;
 * the job id is the delivery id, so a job that did get enqueued is not duplicated.
 */
import { jobForChannel } from '../domain/jobs.js';
import { isHeraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';

/** Younger deliveries are probably being enqueued right now by ingress. */
export const STRANDED_AFTER_MS = 30_000;
const BATCH = 500;

export async function requeueStranded(ledger: Ledger, jobs: JobQueue, log: Logger, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - STRANDED_AFTER_MS);
  let total = 0;
  for (;;) {
    const stranded = await ledger.listStranded(before, BATCH);
    if (stranded.length === 0) return total;
    for (const delivery of stranded) {
      await jobs.enqueue(jobForChannel(delivery.channel), { deliveryId: delivery.id }, { jobId: delivery.id });
      try {
        await ledger.transition({ deliveryId: delivery.id, to: 'queued', cause: 'requeue-stranded', expectedVersion: delivery.version });
      } catch (err) {
        // Someone moved it on meanwhile (a worker picked it up): nothing to fix.
        if (!isHeraldError(err, 'GW_ERR_LEDGER_CONFLICT') && !isHeraldError(err, 'GW_ERR_STATE_ILLEGAL_TRANSITION')) throw err;
      }
      log.warn({ msgId: delivery.messageId, deliveryId: delivery.id }, 're-queued a stranded delivery');
    }
    total += stranded.length;
    if (stranded.length < BATCH) return total;
  }
}
