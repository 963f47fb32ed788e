/**
 * 0002: what the admin API needs: API tokens, browser sessions, the audit trail, and
 * indexes for looking a message up by any id the far side knows it by.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  // Only the SHA-256 of a token is kept: a copy of the database does not let anyone in.
  `create table api_tokens (
     id text primary key,
     name text not null,
     role text not null check (role in ('viewer', 'admin')),
     token_hash text not null constraint api_tokens_token_hash_unique unique,
     created_by text not null,
     created_at timestamptz not null default now(),
     last_used_at timestamptz,
     revoked_at timestamptz
   )`,

  // Sessions live in the ledger, not in process memory, so every node behind a balancer
  // accepts the cookie and a restart does not log admins out.
  `create table api_sessions (
     id_hash text primary key,
     token_id text not null references api_tokens (id) on delete cascade,
     csrf_token text not null,
     created_at timestamptz not null default now(),
     expires_at timestamptz not null
   )`,
  `create index api_sessions_expires_at_idx on api_sessions (expires_at)`,

  // No foreign key to api_tokens: the trail must outlive what it talks about.
  `create table audit (
     id bigserial primary key,
     at timestamptz not null default now(),
     actor_token_id text,
     actor_name text not null,
     action text not null,
     target text not null,
     source_ip text,
     detail jsonb not null default '{}'
   )`,

  // Admin search by the ids of other networks (the unique key on segments leads with
  // connection_id, and the correlations key with kind, so neither serves these).
  `create index segments_smsc_message_id_idx on segments (smsc_message_id)`,
  `create index correlations_key_idx on correlations (key)`,
  `create index messages_sip_call_id_idx on messages (sip_call_id) where sip_call_id is not null`,
  `create index messages_created_at_idx on messages (created_at)`,
];

const DOWN: readonly string[] = [
  'drop index messages_created_at_idx',
  'drop index messages_sip_call_id_idx',
  'drop index correlations_key_idx',
  'drop index segments_smsc_message_id_idx',
  'drop table audit',
  'drop table api_sessions',
  'drop table api_tokens',
];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Tables of the admin API (tokens, sessions, audit) and id-lookup indexes. */
export const migration0002AdminApi: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
