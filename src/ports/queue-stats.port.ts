/** Job counts of one queue by BullMQ state (waiting, active, delayed, completed, failed, …). */
export type QueueCounts = Readonly<Record<string, number>>;

/** What the admin API reads about the job queues, without importing BullMQ. */
export interface QueueStats {
  /** Counts per queue name. @throws when Redis does not answer */
  counts(): Promise<Readonly<Record<string, QueueCounts>>>;
}
