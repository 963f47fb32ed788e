/**
 * What the core asks of the job pipeline. The names and payloads are declared in
 * src/domain/jobs.ts so the core and queues/ share them without the core importing BullMQ.
 */
import type { JobName, JobPayloads } from '../domain/jobs.js';

export interface EnqueueOptions {
  /** Idempotency: a second enqueue with the same id is a no-op. */
  readonly jobId: string;
  readonly delayMs?: number | undefined;
}

export interface JobQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: EnqueueOptions): Promise<void>;
  enqueueBulk<N extends JobName>(
    name: N,
    jobs: readonly { readonly payload: JobPayloads[N]; readonly options: EnqueueOptions }[],
  ): Promise<void>;
  /** Jobs waiting or active across all queues: the backlog ingress compares with its bound. */
  backlog(): Promise<number>;
  ping(): Promise<void>;
}
