/**
 * BullMQ workers running the core's job handlers. Failures are classified here, in one
 * place: a permanent HeraldError becomes UnrecoverableError (no retry), anything else is
 * rethrown so the queue's exponential backoff retries it. How loud each failure is logged
 * is decided in failure-log.ts (expected retries at info or debug without a stack).
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChannelJobName, JobName, JobPayloads } from '../src/domain/jobs.js';
import { isHeraldError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { JobHandler, JobHandlers, JobQueue } from '../src/ports/job-queue.port.js';
import type { DeliveryJobHandler } from './batch-run.js';
import { BACKOFF_TYPE, retryDelayMs } from './backoff.js';
import { deliveriesOfBatch } from './batch-payload.js';
import { runBatch } from './batch-run.js';
import { failureLog, type FailureLog } from './failure-log.js';
import { queueName } from './queue-names.js';

/**
 * Failures that mean "the far side cannot be reached at all, nothing was tried": the job
 * waits and tries again without spending one of its attempts. Spending them would fail
 * the job for good after a few minutes of SMSC outage (25 attempts of one submit timeout
 * each) and leave its delivery `queued` forever, with no final state and no IMDN. The
 * same for an SMTP relay that does not answer (or none configured): 25 backed-off
 * attempts run out within about 90 minutes, long before `smtp.retryGiveUpMs` (a day), which
 * is what bounds those (src/email/send-handler.ts).
 */
const WAIT_WITHOUT_ATTEMPT: ReadonlySet<string> = new Set(['GW_ERR_SMPP_UNAVAILABLE', 'GW_ERR_SMTP_UNAVAILABLE']);

/** The ids a job's payload names, for its log lines (every payload names a delivery or a message). */
function idsOf(data: unknown): { deliveryId?: string; msgId?: string } {
  const payload = (typeof data === 'object' && data !== null ? data : {}) as { deliveryId?: unknown; messageId?: unknown };
  return {
    ...(typeof payload.deliveryId === 'string' ? { deliveryId: payload.deliveryId } : {}),
    ...(typeof payload.messageId === 'string' ? { msgId: payload.messageId } : {}),
  };
}

export interface WorkerOptions {
  readonly prefix: string;
  /** Jobs run at once per queue. @defaultValue 16 */
  readonly concurrency?: number;
  /** Per-queue exceptions to {@link concurrency}. */
  readonly concurrencyOf?: Partial<Record<JobName, number>>;
  /** How often stalled (crashed-worker) jobs are looked for. @defaultValue 30000 */
  readonly stalledIntervalMs?: number;
  /** Lock time of an active job; a dead worker's job is retried after it. @defaultValue 30000 */
  readonly lockDurationMs?: number;
  /** Where a batch job's deliveries that must retry get jobs of their own (queues/batch-run.ts). */
  readonly requeue?: Pick<JobQueue, 'enqueueBulk'>;
}

export class JobWorkers {
  private readonly workers: Worker[] = [];

  constructor(
    private readonly connection: Redis,
    private readonly log: Logger,
    private readonly options: WorkerOptions,
  ) {}

  start(handlers: JobHandlers): void {
    for (const name of Object.keys(handlers) as JobName[]) {
      const handler = handlers[name] as JobHandler<JobName> | undefined;
      if (handler !== undefined) this.startOne(name, handler, channelJob(handlers, name));
    }
  }

  /** @param channel the same handler typed as a channel job's, for the jobs that carry many deliveries */
  private startOne<N extends JobName>(name: N, handler: JobHandler<N>, channel: ChannelJob | undefined): void {
    const processor = async (job: Job<JobPayloads[N]>, token?: string): Promise<void> => {
      const jobId = job.id ?? '';
      const attempt = job.attemptsMade + 1;
      const batch = channel === undefined ? undefined : deliveriesOfBatch(job.data);
      if (batch !== undefined && channel !== undefined) {
        const requeue = this.options.requeue;
        if (requeue === undefined) throw new UnrecoverableError('a batch job reached workers started without a queue to requeue into');
        await runBatch({ ...channel, jobId, attempt, deliveryIds: batch, requeue, log: this.log });
        return;
      }
      try {
        await handler(job.data, { jobId, attempt });
      } catch (err) {
        const facts = { jobId, queue: name, attempt, ...idsOf(job.data) };
        if (isHeraldError(err) && err.permanent) {
          this.log.error({ err, ...facts, code: err.code }, 'job failed permanently');
          throw new UnrecoverableError(`${err.code}: ${err.message}`);
        }
        if (isHeraldError(err) && WAIT_WITHOUT_ATTEMPT.has(err.code) && token !== undefined) {
          const delayMs = retryDelayMs(attempt, err);
          // No attempt is spent, so this is never the last one.
          this.logFailure(err, failureLog(err, attempt, Number.POSITIVE_INFINITY), { ...facts, delayMs }, 'job waits for its channel');
          await job.moveToDelayed(Date.now() + delayMs, token);
          throw new DelayedError();
        }
        const decision = failureLog(err, attempt, job.opts.attempts ?? 1);
        this.logFailure(err, decision, facts, decision.final ? 'job failed after its last attempt' : 'job failed, will retry');
        throw err;
      }
    };
    const worker = new Worker<JobPayloads[N]>(queueName(name), processor, {
      connection: this.connection.duplicate(),
      prefix: this.options.prefix,
      concurrency: this.options.concurrencyOf?.[name] ?? this.options.concurrency ?? 16,
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      maxStalledCount: 5,
      autorun: true,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string, err?: Error) =>
          type === BACKOFF_TYPE ? retryDelayMs(attemptsMade, err) : 1000,
      },
    });
    worker.on('error', (err) => this.log.error({ err, queue: name }, 'worker error'));
    this.workers.push(worker);
  }

  /** One line per failed run, at the level {@link failureLog} decided; a stack only where it helps. */
  private logFailure(err: unknown, decision: FailureLog, facts: Readonly<Record<string, unknown>>, message: string): void {
    const line = decision.withStack || !isHeraldError(err) ? { err, ...facts } : { ...facts, code: err.code, detail: err.detail };
    this.log[decision.level](line, message);
  }

  /** Stops taking jobs and waits for the active ones to finish. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

interface ChannelJob {
  readonly name: ChannelJobName;
  readonly handler: DeliveryJobHandler;
}

/** A channel queue's handler, typed as one; undefined for the other queues. */
function channelJob(handlers: JobHandlers, name: JobName): ChannelJob | undefined {
  const of = (channel: ChannelJobName, handler: DeliveryJobHandler | undefined): ChannelJob | undefined =>
    handler === undefined ? undefined : { name: channel, handler };
  switch (name) {
    case 'sms-submit':
      return of(name, handlers['sms-submit']);
    case 'email-send':
      return of(name, handlers['email-send']);
    case 'sip-deliver':
      return of(name, handlers['sip-deliver']);
    default:
      return undefined;
  }
}
