/**
 * What the core asks of the job pipeline. The names and payloads are declared in
 * src/domain/jobs.ts so the core and queues/ share them without the core importing BullMQ.
 */
import type { ChannelJobName, JobName, JobPayloads } from '../domain/jobs.js';

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
  /**
   * One job for many deliveries of one channel: its handler runs once per delivery, as if
   * each had a job of its own. A delivery whose run fails and may be retried is then given
   * a job of its own, under the delivery's id, so it retries alone and the others stay done.
   */
  enqueueBatch(name: ChannelJobName, deliveryIds: readonly string[], options: EnqueueOptions): Promise<void>;
  /** Jobs waiting or active across the message queues (not the archive's): the backlog ingress compares with its bound. */
  backlog(): Promise<number>;
  ping(): Promise<void>;
  /**
   * Whether the queue store is connected right now (no round trip). Ingress refuses with
   * 503 while it is not, rather than persist a message whose job would wait in process
   * memory, unanswered, until Redis comes back. Absent: taken as connected.
   */
  isConnected?(): boolean;
}

/**
 * Where a job stands in the queue store: still to run or running (`pending`: waiting,
 * delayed, prioritized or active, including between retries), run to its end (`ended`:
 * completed, or failed with no attempt left), or `missing`: never added, removed after it
 * ended, or lost with the store's data. `missing` is exactly the case in which adding a
 * job under that id again is not a no-op.
 */
export type JobPresence = 'pending' | 'ended' | 'missing';

/**
 * Looking jobs up by id, for the sweep that re-queues deliveries whose job was lost. Kept
 * apart from {@link JobQueue} so stand-in queues of tests that never sweep need not fake it.
 */
export interface JobLookup {
  /**
   * Where each job of one queue stands, in the order of `jobIds`, read in one round trip
   * however many ids are asked.
   * @throws GW_ERR_REDIS_UNREACHABLE when the store does not answer (never a guessed `missing`)
   */
  presence(name: JobName, jobIds: readonly string[]): Promise<readonly JobPresence[]>;
}

export interface JobContext {
  readonly jobId: string;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
}

/**
 * A job handler must be idempotent: the queue is at-least-once, so it reads the ledger
 * and skips work whose effect is already recorded. A permanent HeraldError ends the job;
 * anything else is retried with backoff.
 */
export type JobHandler<N extends JobName> = (payload: JobPayloads[N], context: JobContext) => Promise<void>;

export type JobHandlers = { readonly [N in JobName]?: JobHandler<N> };
