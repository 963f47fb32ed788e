/**
 * 0005: the email channel. The mail prepared per delivery (stable Message-ID and reply
 * token across job retries), the thread of each conversation, and the IMAP cursors
 * (last processed UID per watched mailbox and UIDVALIDITY).
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  `create table email_outgoing (
     delivery_id text primary key references deliveries (id) on delete cascade,
     rfc_message_id text not null unique,
     reply_token text not null unique,
     in_reply_to text,
     refs jsonb not null default '[]',
     created_at timestamptz not null default now()
   )`,
  // One row per conversation (IM sender, email recipient): its first and latest mail.
  `create table email_threads (
     sender_uri text not null,
     recipient text not null,
     root_message_id text not null,
     last_message_id text not null,
     updated_at timestamptz not null default now(),
     primary key (sender_uri, recipient)
   )`,
  // UIDVALIDITY is a 32-bit unsigned number: text keeps it exact on both drivers.
  `create table mailbox_cursors (
     watcher text primary key,
     uid_validity text not null,
     last_uid bigint not null,
     updated_at timestamptz not null default now()
   )`,
];

const DOWN: readonly string[] = ['drop table mailbox_cursors', 'drop table email_threads', 'drop table email_outgoing'];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Prepared mail, conversation threads and IMAP cursors. */
export const migration0005Email: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
