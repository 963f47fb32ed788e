/**
 * 0019: the id of the queue job a delivery was enqueued in, when ingress put it in a job
 * shared by the deliveries one flush recorded (src/ingress/batch-jobs.ts). Such an id is
 * not derived from the delivery, and the stranded sweep must find the job before it adds
 * another: a second job for a delivery whose batch still waits could submit it twice.
 * Null for a delivery enqueued under its own id. Nullable without a default, so adding
 * it rewrites nothing.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [`alter table deliveries add column job_id text`];

const DOWN: readonly string[] = [`alter table deliveries drop column job_id`];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Adds deliveries.job_id. */
export const migration0019DeliveriesJobId: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
