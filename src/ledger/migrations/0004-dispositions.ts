/**
 * 0004: the IMDNs Herald owes IM senders, and which delivery versions the dispositions
 * service has decided on (so its sweep only looks at deliveries that changed).
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  // One row per IMDN: the unique key makes creating it idempotent whoever asks first
  // (the transition hook, the sweep, a retried job). The payload is built once, when the
  // IMDN becomes due, so every retry sends the same document with the same Message-ID.
  `create table notifications (
     id text primary key,
     delivery_id text not null references deliveries (id) on delete cascade,
     message_id text not null references messages (id) on delete cascade,
     kind text not null check (kind in ('delivery', 'display', 'processing', 'interworking', 'summary')),
     status text not null,
     imdn_message_id text not null,
     payload text not null,
     state text not null default 'pending' check (state in ('pending', 'sent', 'failed')),
     attempts integer not null default 0,
     last_error text,
     created_at timestamptz not null default now(),
     sent_at timestamptz,
     constraint notifications_delivery_kind_status_unique unique (delivery_id, kind, status)
   )`,
  // The crash-safety sweep looks for pending rows, oldest first.
  `create index notifications_pending_idx on notifications (created_at) where state = 'pending'`,
  // Retention purges finished rows by age.
  `create index notifications_created_at_idx on notifications (created_at)`,

  `create table disposition_checks (
     delivery_id text primary key references deliveries (id) on delete cascade,
     version integer not null,
     checked_at timestamptz not null default now()
   )`,
  // IMDNs from IM users name the MO message by its imdn.Message-ID.
  `create index messages_mo_imdn_message_id_idx on messages (imdn_message_id) where direction = 'mo'`,
];

const DOWN: readonly string[] = [
  'drop index messages_mo_imdn_message_id_idx',
  'drop table disposition_checks',
  'drop table notifications',
];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Notifications (IMDNs owed) and disposition checks. */
export const migration0004Dispositions: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
