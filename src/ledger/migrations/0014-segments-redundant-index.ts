/**
 * 0014: one index fewer on `segments`. 0009's unique key (delivery_id, seq, connection_id,
 * smsc_message_id) begins with (delivery_id, seq), so 0001's index on exactly those
 * columns only costs an index entry per part stored and per receipt applied (`npm run
 * bench`); every look-up it served uses the unique key's prefix.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [`drop index segments_delivery_id_idx`];

const DOWN: readonly string[] = [`create index segments_delivery_id_idx on segments (delivery_id, seq)`];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Drops the segments index the 0009 unique key makes redundant. */
export const migration0014SegmentsRedundantIndex: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
