/**
 * 0021: who appends each conversation's root mail in the archive (src/archive/compose-root.ts).
 * The root is shared by every message of a conversation in a folder, so the per-message
 * claim of 0007 does not keep two nodes from appending it twice (a duplicate Message-ID
 * would split the thread again: RFC 5256 gives the second copy an id of its own). One
 * message's job owns it: the first to ask, or, once that message is done without having
 * appended it, the next to ask.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  // item_key = account, folder and the root's Message-ID, as in archive_items, where the
  // root is recorded once appended.
  `create table archive_roots (
     item_key text primary key,
     message_id text not null references messages (id) on delete cascade,
     claimed_at timestamptz not null default now()
   )`,
];

const DOWN: readonly string[] = ['drop table archive_roots'];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Owners of the archive's conversation root mails. */
export const migration0021ArchiveRoots: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
