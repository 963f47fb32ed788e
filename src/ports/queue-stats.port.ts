/** Job counts of one queue by BullMQ state (waiting, active, delayed, completed, failed, …). */
export type QueueCounts = Readonly<Record<string, number>>;

/** What the admin API reads about the job queues, without importing BullMQ. */
export interface QueueStats {
  /** Counts per queue name. @throws when Redis does not answer */
  counts(): Promise<Readonly<Record<string, QueueCounts>>>;
  /**
   * The most recently failed jobs of one queue (those that ran out of attempts or failed
   * permanently), newest first. Undefined for an unknown queue.
   * @throws when Redis does not answer
   */
  failed(queue: string, limit: number): Promise<readonly FailedJob[] | undefined>;
}

/** A job the queue gave up on, and why. */
export interface FailedJob {
  readonly id: string;
  /** The job's payload: ids only (a delivery, a notification, a message). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly reason: string;
  readonly attempts: number;
  readonly failedAt?: Date | undefined;
}
