/**
 * 0001: the first ledger schema. A migration is a frozen snapshot: it never imports
 * domain constants (state lists, channels), because changing those later must not change
 * what this migration did. New states or columns come in a new migration.
 *
 * One statement per query: PGlite's extended protocol does not take several at once.
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  `create table messages (
     id text primary key,
     direction text not null check (direction in ('mt', 'mo')),
     source_channel text not null check (source_channel in ('sms', 'email', 'sip')),
     sender_uri text not null,
     sender_display_name text,
     imdn_message_id text,
     imdn_requests text[] not null default '{}',
     imdn_route text[] not null default '{}',
     subject text,
     content_type text not null,
     body bytea not null,
     sent_at timestamptz not null,
     dedupe_key text not null constraint messages_dedupe_key_unique unique,
     sip_call_id text,
     created_at timestamptz not null default now()
   )`,
  // Admins look messages up by the sender's IMDN Message-ID (it is what the IM client shows).
  `create index messages_imdn_message_id_idx on messages (imdn_message_id) where imdn_message_id is not null`,

  `create table deliveries (
     id text primary key,
     message_id text not null references messages (id) on delete cascade,
     channel text not null check (channel in ('sms', 'email', 'sip')),
     original_recipient_uri text not null,
     target_uri text not null,
     copy_control text check (copy_control in ('to', 'cc', 'bcc')),
     state text not null check (state in ('accepted', 'queued', 'submitted', 'enroute',
       'delivered', 'failed', 'expired', 'rejected', 'cancelled')),
     version integer not null default 1,
     error_code text,
     error_text text,
     far_side_at timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  `create index deliveries_message_id_idx on deliveries (message_id)`,
  // Sweeps (stranded `accepted`, stuck `submitted`) scan by state, oldest first.
  `create index deliveries_state_updated_at_idx on deliveries (state, updated_at)`,
  // "What happened to messages for +1555…": admin search by recipient.
  `create index deliveries_target_uri_idx on deliveries (target_uri)`,

  // One row per SMS part submitted. connection_id names the SMSC (the configured
  // connection), not the bind: a receipt may come back on any bind of any node.
  `create table segments (
     id bigserial primary key,
     delivery_id text not null references deliveries (id) on delete cascade,
     seq integer not null check (seq >= 1),
     total integer not null check (total >= 1 and seq <= total),
     connection_id text not null,
     smsc_message_id text not null,
     state text not null,
     error_code text,
     submitted_at timestamptz not null default now(),
     final_at timestamptz,
     constraint segments_smsc_message_id_unique unique (connection_id, smsc_message_id)
   )`,
  `create index segments_delivery_id_idx on segments (delivery_id, seq)`,

  // Ids the far side echoes back to us (email ENVID, Message-ID, reply tokens, …).
  `create table correlations (
     kind text not null,
     key text not null,
     delivery_id text not null references deliveries (id) on delete cascade,
     created_at timestamptz not null default now(),
     constraint correlations_pkey primary key (kind, key)
   )`,
  `create index correlations_delivery_id_idx on correlations (delivery_id)`,

  `create table events (
     id bigserial primary key,
     message_id text not null references messages (id) on delete cascade,
     delivery_id text references deliveries (id) on delete cascade,
     at timestamptz not null default now(),
     type text not null,
     from_state text,
     to_state text,
     cause text not null,
     detail jsonb not null default '{}'
   )`,
  // The timeline of a message is read in insertion order.
  `create index events_message_id_idx on events (message_id, id)`,
  `create index events_delivery_id_idx on events (delivery_id) where delivery_id is not null`,

  `create table directory (
     im_uri text primary key,
     msisdn text constraint directory_msisdn_unique unique,
     email text,
     display_name text,
     archive_enabled boolean not null default false,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  // Mail addresses are compared case-insensitively in practice (RFC 5321 §2.4 allows a
  // case-sensitive local part, but no real mailbox relies on it).
  `create unique index directory_email_unique on directory (lower(email))`,
];

const DOWN: readonly string[] = [
  'drop table directory',
  'drop table events',
  'drop table correlations',
  'drop table segments',
  'drop table deliveries',
  'drop table messages',
];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** The initial schema: messages, deliveries, segments, correlations, events, directory. */
export const migration0001Initial: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
