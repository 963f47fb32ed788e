/**
 * 0006: media links (REQ-CONTENT, `media.linkMode`). Non-text content for an SMS recipient
 * is kept where it already is, the message row's body; this table only maps the
 * unguessable token of its link to the message, with the link's expiry. One link per
 * message, so a retried SMS job (or every SMS recipient of one message) sends the same URL.
 * In the ledger rather than under dataDir so any gateway node can serve any link.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  `create table media_links (
     token text primary key,
     message_id text not null unique references messages (id) on delete cascade,
     expires_at timestamptz not null,
     created_at timestamptz not null default now()
   )`,
  // Reply-to-all (REQ-GROUP-4) looks for the latest group message to a member's number or address.
  `create index deliveries_group_member_idx on deliveries (target_uri, created_at) where copy_control is not null`,
];

const DOWN: readonly string[] = ['drop index deliveries_group_member_idx', 'drop table media_links'];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Media link tokens, and the index group replies are found by. */
export const migration0006MediaLinks: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
