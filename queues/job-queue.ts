/**
 * The BullMQ implementation of the core's JobQueue port: one BullMQ queue per job name.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChannelJobName, JobName, JobPayloads } from '../src/domain/jobs.js';
import { JOB_NAMES } from '../src/domain/jobs.js';
import { heraldError } from '../src/errors.js';
import { GroupCommit } from '../src/group-commit.js';
import type { EnqueueOptions, JobLookup, JobPresence, JobQueue } from '../src/ports/job-queue.port.js';
import type { FailedJob } from '../src/ports/queue-stats.port.js';
import { batchPayload, deliveriesOfBatch } from './batch-payload.js';
import { QUEUE_DEFAULTS, queueName } from './queue-names.js';

/** One job to add, as the port's enqueue gives it. */
interface PendingAdd {
  readonly payload: unknown;
  readonly options: EnqueueOptions;
}

export class BullmqJobQueue implements JobQueue, JobLookup {
  private readonly queues = new Map<JobName, Queue>();
  /**
   * Adds per queue, group-committed: the jobs enqueued at one moment (ingress accepting
   * many MESSAGEs, a batch of receipts) go as one addBulk, one round trip to Redis.
   */
  private readonly adds = new Map<JobName, GroupCommit<PendingAdd, void>>();
  /**
   * Set when the connection closes, cleared when it is ready again. Not the status itself:
   * a fresh connection is still connecting while the gateway starts, and commands sent
   * then only wait a moment; after a loss they would wait for as long as Redis is down.
   */
  private lost = false;

  constructor(
    private readonly connection: Redis,
    prefix: string,
  ) {
    connection.on('close', () => {
      this.lost = true;
    });
    connection.on('ready', () => {
      this.lost = false;
    });
    for (const name of JOB_NAMES) {
      const queue = new Queue(queueName(name), { connection, prefix, defaultJobOptions: QUEUE_DEFAULTS[name] });
      this.queues.set(name, queue);
      this.adds.set(
        name,
        new GroupCommit<PendingAdd, void>({
          // addBulk with one id twice would add it once; apart, the second is a no-op as the port promises.
          keyOf: (add) => add.options.jobId,
          flush: async (adds) => {
            await this.addAll(name, queue, adds);
            return adds.map(() => undefined);
          },
        }),
      );
    }
  }

  /** One addBulk, with the sizes of the batch jobs among them (see {@link batchedBeyondOne}) written alongside. */
  private async addAll(name: JobName, queue: Queue, adds: readonly PendingAdd[]): Promise<void> {
    const sizes = adds.flatMap((add) => {
      const ids = deliveriesOfBatch(add.payload);
      return ids === undefined ? [] : [add.options.jobId, String(ids.length)];
    });
    await Promise.all([
      queue.addBulk(adds.map((add) => ({ name, data: add.payload, opts: toJobOptions(add.options) }))),
      sizes.length === 0 ? undefined : this.connection.hset(batchSizesKey(queue), ...sizes),
    ]);
  }

  queue(name: JobName): Queue {
    const queue = this.queues.get(name);
    if (queue === undefined) throw new Error(`unknown queue ${name}`);
    return queue;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: EnqueueOptions): Promise<void> {
    const adds = this.adds.get(name);
    if (adds === undefined) throw new Error(`unknown queue ${name}`);
    await adds.submit({ payload, options });
  }

  async enqueueBulk<N extends JobName>(
    name: N,
    jobs: readonly { readonly payload: JobPayloads[N]; readonly options: EnqueueOptions }[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue(name).addBulk(jobs.map((job) => ({ name, data: job.payload, opts: toJobOptions(job.options) })));
  }

  /** The batch goes through the same group commit as single jobs: many flushes' batches, one addBulk. */
  async enqueueBatch(name: ChannelJobName, deliveryIds: readonly string[], options: EnqueueOptions): Promise<void> {
    if (deliveryIds.length === 0) return;
    const adds = this.adds.get(name);
    if (adds === undefined) throw new Error(`unknown queue ${name}`);
    await adds.submit({ payload: batchPayload(deliveryIds), options });
  }

  /** In deliveries: a job that carries many counts as many (see {@link batchedBeyondOne}). */
  async backlog(): Promise<number> {
    let total = 0;
    for (const [name, queue] of this.queues) {
      // The archive may fall behind for hours while its IMAP server is away; that must
      // not make SIP ingress refuse traffic, so its jobs are not ingress backlog.
      if (name === 'archive') continue;
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      total += Object.values(counts).reduce((a, b) => a + b, 0) + (await this.batchedBeyondOne(name, queue));
    }
    return total;
  }

  /**
   * The deliveries pending batch jobs carry beyond the one each counts as a job. Sizes are
   * kept in a hash beside the queue, written with the add; entries of jobs no longer
   * pending (ended, removed, lost) are dropped here, so the hash holds what waits and
   * needs no clean-up by the workers (nor is wrong after one crashed).
   */
  private async batchedBeyondOne(name: JobName, queue: Queue): Promise<number> {
    const key = batchSizesKey(queue);
    const sizes = await this.connection.hgetall(key);
    const ids = Object.keys(sizes);
    if (ids.length === 0) return 0;
    const presence = await this.presence(name, ids);
    const gone = ids.filter((_, i) => presence[i] !== 'pending');
    if (gone.length > 0) await this.connection.hdel(key, ...gone);
    return ids.reduce((sum, id, i) => sum + (presence[i] === 'pending' ? Math.max(0, Number(sizes[id]) - 1) : 0), 0);
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, queue] of this.queues) {
      out[name] = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    }
    return out;
  }

  async failed(queueName: string, limit: number): Promise<readonly FailedJob[] | undefined> {
    const queue = this.queues.get(queueName as JobName);
    if (queue === undefined) return undefined;
    const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
    return jobs.map((job) => ({
      id: job.id ?? '',
      data: typeof job.data === 'object' && job.data !== null ? (job.data as Record<string, unknown>) : {},
      reason: job.failedReason ?? '',
      attempts: job.attemptsMade,
      failedAt: job.finishedOn === undefined ? undefined : new Date(job.finishedOn),
    }));
  }

  /**
   * One HMGET of the job's hash per id, all in one pipeline. The hash decides `missing`
   * because it is what BullMQ's add checks to treat an id as a duplicate: an id whose hash
   * is gone is added again, whatever lists still name it. `name` is set on every job;
   * `finishedOn` is set when it completes or fails for good, and cleared when it is retried.
   * @throws GW_ERR_REDIS_UNREACHABLE when the pipeline fails or comes back short
   */
  async presence(name: JobName, jobIds: readonly string[]): Promise<readonly JobPresence[]> {
    if (jobIds.length === 0) return [];
    const queue = this.queue(name);
    const pipeline = this.connection.pipeline();
    for (const id of jobIds) pipeline.hmget(queue.toKey(id), 'name', 'finishedOn');
    const replies = await pipeline.exec();
    const failure = replies?.find(([err]) => err !== null)?.[0];
    const rows = (replies ?? []).map(([, fields]) => fields);
    if (failure || rows.length !== jobIds.length || !rows.every(isFieldPair)) {
      // Never guess `missing`: the sweep would re-add jobs on the strength of no answer.
      throw heraldError('GW_ERR_REDIS_UNREACHABLE', `job lookup in ${name}`, { cause: failure ?? undefined });
    }
    return rows.map(([jobName, finishedOn]): JobPresence => {
      if (jobName === null) return 'missing';
      return finishedOn === null ? 'pending' : 'ended';
    });
  }

  isConnected(): boolean {
    return !this.lost;
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  async close(): Promise<void> {
    await Promise.all([...this.adds.values()].map((adds) => adds.idle()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

/** Where a queue's batch jobs' sizes are kept (see BullmqJobQueue.batchedBeyondOne). */
function batchSizesKey(queue: Queue): string {
  return queue.toKey('herald:batch-sizes');
}

function isFieldPair(value: unknown): value is readonly [string | null, string | null] {
  return Array.isArray(value) && value.length === 2 && value.every((v) => v === null || typeof v === 'string');
}

function toJobOptions(options: EnqueueOptions): JobsOptions {
  return options.delayMs === undefined ? { jobId: options.jobId } : { jobId: options.jobId, delay: options.delayMs };
}
