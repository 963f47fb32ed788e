/**
 * Runs a channel job that carries many deliveries (JobQueue.enqueueBatch): the channel's
 * handler once per delivery, all at once, as if each had a job of its own. Handlers are
 * idempotent, so a batch run again after a crash only does what is missing.
 *
 * A delivery whose run failed and may be retried is handed to a job of its own, under its
 * delivery id (the stranded sweep's next candidate after the batch's id), delayed as a
 * first retry would be; from there it retries, waits for its channel or fails for good
 * exactly as a single job does, while the rest of the batch stays done. Only when that
 * hand-off fails does the batch itself fail and run again.
 */
import type { ChannelJobName } from '../src/domain/jobs.js';
import { isHeraldError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { EnqueueOptions, JobContext, JobQueue } from '../src/ports/job-queue.port.js';
import { retryDelayMs } from './backoff.js';
import { failureLog } from './failure-log.js';

/** A channel job's handler: every channel job names one delivery. */
export type DeliveryJobHandler = (payload: { readonly deliveryId: string }, context: JobContext) => Promise<void>;

export interface BatchRun {
  readonly name: ChannelJobName;
  readonly jobId: string;
  /** The batch job's attempt, given to every run of the handler. */
  readonly attempt: number;
  readonly deliveryIds: readonly string[];
  readonly handler: DeliveryJobHandler;
  readonly requeue: Pick<JobQueue, 'enqueueBulk'>;
  readonly log: Logger;
}

/** See the module comment. @throws what the hand-off to single jobs throws (the batch retries) */
export async function runBatch(run: BatchRun): Promise<void> {
  const { name, jobId, log } = run;
  const results = await Promise.allSettled(run.deliveryIds.map((deliveryId) => run.handler({ deliveryId }, { jobId, attempt: run.attempt })));
  const retries: { readonly payload: { readonly deliveryId: string }; readonly options: EnqueueOptions }[] = [];
  const codes = new Set<string>();
  results.forEach((result, index) => {
    const deliveryId = run.deliveryIds[index];
    if (result.status === 'fulfilled' || deliveryId === undefined) return;
    const err: unknown = result.reason;
    // The worker's one classification (queues/failure-log.ts); a hand-off spends no attempt.
    const decision = failureLog(err, run.attempt, Number.POSITIVE_INFINITY);
    if (decision.final) {
      log.error({ err, code: isHeraldError(err) ? err.code : undefined, jobId, deliveryId, queue: name }, 'job failed permanently');
      return;
    }
    codes.add(isHeraldError(err) ? err.code : 'unexpected');
    // Expected retries are summed up below; only a surprise gets a line (with its stack) of its own.
    if (decision.withStack) log.warn({ err, jobId, deliveryId, queue: name }, 'delivery of a batch job failed unexpectedly; it retries alone');
    retries.push({ payload: { deliveryId }, options: { jobId: deliveryId, delayMs: retryDelayMs(1, err) } });
  });
  if (retries.length === 0) return;
  // One line per batch, not per delivery: an SMSC outage fails every delivery of every batch.
  log.info({ jobId, queue: name, retrying: retries.length, of: run.deliveryIds.length, codes: [...codes] }, 'deliveries of a batch job retry in jobs of their own');
  await run.requeue.enqueueBulk(name, retries);
}
