/**
 * 0013: the timeline (`events`) keeps no foreign keys. Six events are written per SMS
 * round trip, and each foreign key made PostgreSQL look up the message and the delivery
 * and lock both rows FOR KEY SHARE: twelve look-ups and twelve row locks (each one a WAL
 * record and a dirtied page) per message, about a sixth of the database's time in the
 * hot path (perf and pg_stat_statements under `npm run bench`). Every event is written by
 * the statement that reads or changes its message or delivery (src/ledger/batches,
 * disposition-statements.ts), or by appendEvent, which checks that they exist, so no
 * event can name a message that is not there. Nothing deletes messages; a purge added
 * later must delete their events itself (`events_message_id_idx` finds them), as the
 * cascade used to.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  `alter table events drop constraint events_message_id_fkey`,
  `alter table events drop constraint events_delivery_id_fkey`,
];

const DOWN: readonly string[] = [
  `alter table events add constraint events_message_id_fkey foreign key (message_id) references messages (id) on delete cascade`,
  `alter table events add constraint events_delivery_id_fkey foreign key (delivery_id) references deliveries (id) on delete cascade`,
];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** The timeline without foreign keys. */
export const migration0013EventsWithoutForeignKeys: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
