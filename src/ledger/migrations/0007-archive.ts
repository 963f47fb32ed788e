/**
 * 0007: the IMAP archive. Which messages have something left to archive (and since when:
 * the lag), who is archiving each right now (a lease, so two nodes never append the same
 * message at once), and every item already appended (so a retried job skips it without
 * asking the server).
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  // One row per message with something unarchived. `generation` grows with every change
  // that may add an item, so a job only clears the row when nothing new came meanwhile.
  `create table archive_due (
     message_id text primary key references messages (id) on delete cascade,
     generation integer not null default 1,
     due_since timestamptz not null default now(),
     claimed_by text,
     claimed_until timestamptz
   )`,
  // Lag (oldest unarchived) and the sweep read it by age.
  `create index archive_due_since_idx on archive_due (due_since)`,
  // item_key = account, folder and RFC Message-ID: one row per appended copy.
  `create table archive_items (
     item_key text primary key,
     message_id text not null references messages (id) on delete cascade,
     mailbox text not null,
     rfc_message_id text not null,
     uid_validity text,
     uid bigint,
     archived_at timestamptz not null default now()
   )`,
  `create index archive_items_message_idx on archive_items (message_id)`,
];

const DOWN: readonly string[] = ['drop table archive_items', 'drop table archive_due'];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Archive work list, claims and appended items. */
export const migration0007Archive: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
