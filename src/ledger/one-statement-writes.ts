/**
 * The ledger's two hottest writes, each as one SQL statement instead of a transaction of
 * four or five round trips (BEGIN, reads and writes, COMMIT). Under load every message
 * makes several transitions, and each round trip costs a socket write, a PostgreSQL wake-up
 * and a pool connection held meanwhile: the bench measured these transactions as the
 * largest share of gateway and database CPU.
 *
 * Data-modifying CTEs run as one atomic statement, on PostgreSQL and PGlite alike, so the
 * outcomes are those of the transactions they replace. `SELECT … FOR UPDATE` in the first
 * CTE takes the same row lock the transaction took: a concurrent transition waits, then
 * sees the new row (READ COMMITTED re-checks a locked row), exactly as before.
 */
import { sql, type Kysely } from 'kysely';
import { DELIVERY_STATES, canTransition, type DeliveryState } from '../domain/delivery-state.js';
import type { NewDelivery } from '../domain/message.js';
import { DELIVERY_KEYS, MESSAGE_COLUMNS_SQL, PREFIXED_MESSAGE_KEYS, type PrefixedMessageRow } from './joined-reads.js';
import type { EventJson } from './rows.js';
import type { DeliveryRow, LedgerDatabase, NewMessageRow } from './schema.js';

/** What a transition read with its history returns besides the delivery. */
export type HistoryColumns = PrefixedMessageRow & { readonly history: EventJson[] | null };

/** Whether the message columns came back (they always do when asked: the message is a foreign key). */
function hasHistory(row: Partial<HistoryColumns>): row is HistoryColumns {
  return PREFIXED_MESSAGE_KEYS.every((key) => row[key] !== undefined);
}

function pick<T, K extends keyof T>(row: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = row[key];
  return out;
}

/** States from which `to` may be entered, by target state (the state machine, precomputed). */
const ALLOWED_FROM: ReadonlyMap<DeliveryState, readonly DeliveryState[]> = new Map(
  DELIVERY_STATES.map((to) => [to, DELIVERY_STATES.filter((from) => canTransition(from, to))]),
);

export interface TransitionWrite {
  readonly deliveryId: string;
  readonly to: DeliveryState;
  readonly expectedVersion: number | undefined;
  readonly errorCode: string | undefined;
  readonly errorText: string | undefined;
  readonly farSideAt: Date | undefined;
  /** Event time; undefined: now(), as the column default would give. */
  readonly at: Date | undefined;
  readonly cause: string;
  /** The event's detail as JSON text. */
  readonly detail: string;
}

/**
 * Locks the delivery, moves it to `write.to` if the state machine and the expected
 * version allow, and appends the state event, in one statement.
 * @returns the updated row and the state it left, or undefined when nothing was updated
 *   (unknown delivery, wrong version, illegal move): the caller reads the row to say which.
 */
export async function transitionOneStatement(
  db: Kysely<LedgerDatabase>,
  write: TransitionWrite,
  withHistory = false,
): Promise<{ readonly row: DeliveryRow; readonly from: string; readonly history?: HistoryColumns | undefined } | undefined> {
  const allowedFrom = ALLOWED_FROM.get(write.to) ?? [];
  const expected = write.expectedVersion ?? null;
  // The history (for the dispositions module) is read in the same statement, so deciding
  // IMDNs costs no read of its own. A CTE's writes are invisible to the statement's other
  // reads, so the event inserted here joins the history through its RETURNING rows.
  const history = withHistory
    ? sql`, ${sql.raw(MESSAGE_COLUMNS_SQL)}, (
        select json_agg(e order by e.id) from (
          select * from events where delivery_id = upd.id and type in ('state', 'receipt')
          union all select * from ev
        ) e
      ) as history
      from upd join messages m on m.id = upd.message_id`
    : sql`from upd`;
  const result = await sql<DeliveryRow & { from_state: string } & Partial<HistoryColumns>>`
    with cur as (
      select id, message_id, state, version, far_side_at from deliveries where id = ${write.deliveryId} for update
    ), upd as (
      update deliveries d set
        state = ${write.to},
        version = cur.version + 1,
        error_code = ${write.errorCode ?? null}::text,
        error_text = ${write.errorText ?? null}::text,
        far_side_at = coalesce(${write.farSideAt ?? null}::timestamptz, cur.far_side_at),
        updated_at = now()
      from cur
      where d.id = cur.id
        and d.version = cur.version
        and cur.state = any(${[...allowedFrom]}::text[])
        and (${expected}::integer is null or cur.version = ${expected}::integer)
      returning d.*, cur.state as from_state
    ), ev as (
      insert into events (message_id, delivery_id, at, type, from_state, to_state, cause, detail)
      select message_id, id, coalesce(${write.at ?? null}::timestamptz, now()), 'state', from_state, ${write.to}, ${write.cause}, ${write.detail}::jsonb
      from upd
      returning *
    )
    select upd.* ${history}`.execute(db);
  const row = result.rows[0];
  if (row === undefined) return undefined;
  if (!withHistory) {
    const { from_state: from, ...delivery } = row;
    return { row: delivery, from };
  }
  const { from_state: from, ...rest } = row;
  const delivery = pick(rest, DELIVERY_KEYS);
  return { row: delivery, from, history: hasHistory(rest) ? { ...pick(rest, PREFIXED_MESSAGE_KEYS), history: rest.history ?? null } : undefined };
}

/**
 * Inserts a message (unless its dedupe key exists), its deliveries in state `accepted`
 * and their `accepted` events, in one statement.
 * @returns the deliveries' rows (any order) and the message's created_at, or undefined
 *   when the dedupe key already existed (nothing was written).
 */
export async function recordMessageOneStatement(
  db: Kysely<LedgerDatabase>,
  message: NewMessageRow,
  deliveries: readonly NewDelivery[],
): Promise<{ readonly createdAt: Date; readonly rows: readonly DeliveryRow[] } | undefined> {
  const values = sql.join(
    deliveries.map(
      (d) => sql`(${d.id}::text, ${d.channel}::text, ${d.originalRecipientUri}::text, ${d.targetUri}::text, ${d.copyControl ?? null}::text)`,
    ),
  );
  const result = await sql<DeliveryRow & { message_created_at: Date }>`
    with m as (
      insert into messages (id, direction, source_channel, sender_uri, sender_display_name, imdn_message_id, imdn_requests,
        imdn_route, subject, content_type, body, sent_at, dedupe_key, sip_call_id)
      values (${message.id}, ${message.direction}, ${message.source_channel}, ${message.sender_uri}, ${message.sender_display_name ?? null},
        ${message.imdn_message_id ?? null}, ${message.imdn_requests ?? []}::text[], ${message.imdn_route ?? []}::text[], ${message.subject ?? null},
        ${message.content_type}, ${message.body}, ${message.sent_at}, ${message.dedupe_key}, ${message.sip_call_id ?? null})
      on conflict (dedupe_key) do nothing
      returning id, created_at
    ), d as (
      insert into deliveries (id, message_id, channel, original_recipient_uri, target_uri, copy_control, state, version)
      select v.id, m.id, v.channel, v.original_recipient_uri, v.target_uri, v.copy_control, 'accepted', 1
      from m cross join (values ${values}) as v (id, channel, original_recipient_uri, target_uri, copy_control)
      returning *
    ), e as (
      insert into events (message_id, delivery_id, at, type, from_state, to_state, cause, detail)
      select message_id, id, created_at, 'state', null, 'accepted', 'ingress', '{}'::jsonb from d
    )
    select d.*, m.created_at as message_created_at from m cross join d`.execute(db);
  const first = result.rows[0];
  if (first === undefined) return undefined;
  return { createdAt: first.message_created_at, rows: result.rows.map(({ message_created_at: _created, ...row }) => row) };
}
