/**
 * 0022: MSRP sessions (session mode, docs/session-mode.md) and which messages came in
 * them, so the API, the dashboard and the archive show a session message "with the
 * session". A message row stays what it is (a session message is a page-mode message in
 * the ledger); the link is a table of its own, written after the message is stored, so
 * the message path's statements do not change.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  `create table msrp_sessions (
     id text primary key,
     call_id text not null,
     im_user text not null,
     far_party text not null,
     large_message_mode boolean not null,
     secure boolean not null,
     node text not null,
     started_at timestamptz not null,
     ended_at timestamptz,
     end_reason text
   )`,
  // No foreign key to messages, as 0013 and 0020 have it for the message path's tables: the
  // link is written after its message is stored, and messages are never deleted.
  `create table msrp_session_messages (
     message_id text primary key,
     session_id text not null references msrp_sessions (id) on delete cascade,
     created_at timestamptz not null default now()
   )`,
  // A restarted node ends what its predecessor left open (few rows: open sessions only).
  `create index msrp_sessions_open_idx on msrp_sessions (node) where ended_at is null`,
  // "Messages of this session", newest first (the API's session filter).
  `create index msrp_session_messages_session_idx on msrp_session_messages (session_id, message_id)`,
];

const DOWN: readonly string[] = ['drop table msrp_session_messages', 'drop table msrp_sessions'];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** MSRP sessions and the messages received in them. */
export const migration0022MsrpSessions: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
