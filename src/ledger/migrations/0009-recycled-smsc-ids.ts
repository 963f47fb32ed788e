/**
 * 0009: SMSC message ids are unique only for a while (counters wrap, SMSCs restart and
 * count again), so one id may name several parts over time. The unique key moves from
 * (connection, id) to the part it was given for; correlation prefers the most recent
 * open part with the id. Segments gain queried_at (the last query_sm for an overdue
 * receipt, claimed by one node at a time), and held receipts a claim lease so one node
 * applies a held receipt, once.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  `alter table segments drop constraint segments_smsc_message_id_unique`,
  // A retried worker storing the same part's id again is still a no-op.
  `create unique index segments_part_smsc_id_unique on segments (delivery_id, seq, connection_id, smsc_message_id)`,
  `create index segments_connection_smsc_id_idx on segments (connection_id, smsc_message_id, id)`,
  `alter table segments add column queried_at timestamptz`,
  // The overdue-receipt sweep reads only parts still waiting for their receipt.
  `create index segments_open_submitted_idx on segments (submitted_at) where final_at is null`,
  `alter table held_receipts add column claimed_until timestamptz`,
];

const DOWN: readonly string[] = [
  'alter table held_receipts drop column claimed_until',
  'drop index segments_open_submitted_idx',
  'alter table segments drop column queried_at',
  'drop index segments_connection_smsc_id_idx',
  'drop index segments_part_smsc_id_unique',
  'alter table segments add constraint segments_smsc_message_id_unique unique (connection_id, smsc_message_id)',
];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Recycled SMSC ids, overdue-receipt queries, held-receipt claims. */
export const migration0009RecycledSmscIds: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
