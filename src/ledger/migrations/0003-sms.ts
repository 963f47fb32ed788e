/**
 * 0003: what the SMS channel keeps besides segments: receipts that arrived before (or
 * without) their submit_sm_resp, and the parts of concatenated MO SMS awaiting siblings.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  // A receipt is never dropped for want of its segment: it waits here, keyed like
  // segments (connection + normalised id), until a segment appears or it expires.
  `create table held_receipts (
     id bigserial primary key,
     connection_id text not null,
     smsc_message_id text not null,
     receipt jsonb not null,
     received_at timestamptz not null default now(),
     expires_at timestamptz not null
   )`,
  `create index held_receipts_message_idx on held_receipts (connection_id, smsc_message_id)`,

  // Parts of one MO message share group_key (source, destination, reference, total);
  // a part re-delivered by the SMSC hits the unique key and is ignored.
  `create table mo_parts (
     id bigserial primary key,
     group_key text not null,
     connection_id text not null,
     source text not null,
     destination text not null,
     ref integer not null,
     total integer not null check (total >= 1),
     seq integer not null check (seq >= 1 and seq <= total),
     data_coding integer not null,
     body bytea not null,
     received_at timestamptz not null default now(),
     constraint mo_parts_group_seq_unique unique (group_key, seq)
   )`,
  // The reassembly timeout sweep looks for the oldest waiting parts.
  `create index mo_parts_received_at_idx on mo_parts (received_at)`,
];

const DOWN: readonly string[] = ['drop table mo_parts', 'drop table held_receipts'];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Held receipts and MO parts. */
export const migration0003Sms: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
