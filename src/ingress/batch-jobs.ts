/**
 * Enqueues a flush's shared job (JobBatch) once. Every message recorded in one ledger flush
 * comes back with the same batch; the first to ask adds one job per channel queue naming
 * all its deliveries, and the others wait for that same add before they answer 202.
 *
 * Each asks with the whole member list, so whoever comes first adds it complete: a job id
 * added twice is a no-op in the queue, and a member missing from the first add would
 * never be run (until the stranded sweep found it). The promise is forgotten once settled;
 * a member asking later adds again, a no-op.
 */
import { byChannelJob, type JobBatch } from '../domain/jobs.js';
import type { JobQueue } from '../ports/job-queue.port.js';

export class BatchJobs {
  readonly #adding = new Map<string, Promise<void>>();

  constructor(private readonly jobs: Pick<JobQueue, 'enqueueBatch'>) {}

  /** @throws what the queue throws (the deliveries are durable; the stranded sweep adds them later) */
  enqueue(batch: JobBatch): Promise<void> {
    let adding = this.#adding.get(batch.jobId);
    if (adding === undefined) {
      adding = this.#add(batch).finally(() => this.#adding.delete(batch.jobId));
      this.#adding.set(batch.jobId, adding);
    }
    return adding;
  }

  async #add(batch: JobBatch): Promise<void> {
    const perQueue = byChannelJob(batch.members, (member) => member.channel);
    await Promise.all([...perQueue].map(([name, members]) => this.jobs.enqueueBatch(name, members.map((m) => m.deliveryId), { jobId: batch.jobId })));
  }
}
