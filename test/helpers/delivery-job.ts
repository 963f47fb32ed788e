/**
 * The queue job that carries a delivery: the one its ingress flush shares (its `jobId`,
 * see JobQueue.enqueueBatch) when it has one, else the job named after it. Undefined when
 * the queue holds neither, or the shared job does not name the delivery.
 */
import type { Job } from 'bullmq';
import { deliveriesOfBatch } from '../../queues/batch-payload.js';
import type { BullmqJobQueue } from '../../queues/job-queue.js';
import type { ChannelJobName } from '../../src/domain/jobs.js';

export async function jobOfDelivery(
  jobs: BullmqJobQueue,
  name: ChannelJobName,
  delivery: { readonly id: string; readonly jobId?: string | null | undefined },
): Promise<Job | undefined> {
  const job = await jobs.queue(name).getJob(delivery.jobId ?? delivery.id);
  if (job === undefined || delivery.jobId === undefined || delivery.jobId === null) return job;
  return deliveriesOfBatch(job.data)?.includes(delivery.id) === true ? job : undefined;
}
