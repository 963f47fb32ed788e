/**
 * The dispositions module's per-message reads and writes, each one SQL statement. Every
 * message used to cost the module 13 round trips (message, whole event list, each
 * notification, the check mark; then notification, message, order check, attempt,
 * outcome and event for the send): under load each round trip is a socket write and a
 * wake-up on both sides, the largest share of gateway and database CPU (npm run bench).
 *
 * Data-modifying CTEs run as one atomic statement on PostgreSQL and PGlite alike, so the
 * outcomes are those of the separate statements they replace.
 */
import { sql } from 'kysely';
import type { DeliveryEvent, StoredMessage } from '../domain/message.js';
import type { NewNotification, StoredNotification } from '../domain/notification.js';
import type { NotificationSendFacts, RecordedDecision, SendOutcome } from '../ports/disposition-store.port.js';
import { clip, toNotification, type DispositionDb, type NotificationRow } from './disposition-rows.js';
import { rowsPerOp, type BatchStatement } from './batch-statement.js';
import type { LedgerWriter } from './writer.js';
import { MESSAGE_COLUMNS_SQL, MESSAGE_KEYS, toPrefixedMessage, type PrefixedMessageRow } from './joined-reads.js';

/** The notification columns the writer's named statements return (never `*`: see joined-reads.ts). */
const NOTIFICATION_COLUMNS =
  'id, delivery_id, message_id, kind, status, imdn_message_id, payload, state, attempts, last_error, created_at, sent_at';
import { jsonText, toEventFromJson, toMessage, type EventJson } from './rows.js';
import type { MessageRow } from './schema.js';

/**
 * The message and the timeline of one of its deliveries (state changes and receipts: all
 * the IMDN rules and texts look at), or undefined when the message is gone. Other
 * deliveries' events are left out: only the group summary needs them, and reads them itself.
 */
export async function readDecisionFacts(
  db: DispositionDb,
  messageId: string,
  deliveryId: string,
): Promise<{ readonly message: StoredMessage; readonly events: readonly DeliveryEvent[] } | undefined> {
  const result = await sql<MessageRow & { events: EventJson[] | null }>`
    select m.*, (
      select json_agg(e order by e.id) from events e
      where e.delivery_id = ${deliveryId} and e.type in ('state', 'receipt')
    ) as events
    from messages m where m.id = ${messageId}`.execute(db);
  const row = result.rows[0];
  if (row === undefined) return undefined;
  const { events, ...message } = row;
  return {
    message: toMessage(message),
    events: (events ?? []).map(toEventFromJson),
  };
}

export interface DecisionWrite {
  readonly deliveryId: string;
  readonly version: number;
  readonly notifications: readonly NewNotification[];
}

/** The columns of the oldest pending notification joined as `p`. */
const EARLIER_PENDING_COLUMNS = 'p.id as p_id, p.kind as p_kind, p.status as p_status, p.attempts as p_attempts, p.created_at as p_created_at';

interface EarlierPendingColumns {
  readonly p_id: string | null;
  readonly p_kind: string | null;
  readonly p_status: string | null;
  readonly p_attempts: number | null;
  readonly p_created_at: Date | null;
}

type DecisionRow = NotificationRow & EarlierPendingColumns;

/**
 * Creates the notifications not yet there (the unique key keeps each once) and records
 * that each delivery was decided at its version. Results: the notifications each decision
 * created, in the order given, with the delivery's oldest notification still pending from
 * before (what {@link READ_FOR_SEND} would find first), so that the new ones can be sent
 * from these facts without reading them back. The statement's own inserts are invisible
 * to its reads, so that one is always older than the new ones.
 */
export const RECORD_DECISIONS: BatchStatement<DecisionWrite, DecisionRow, RecordedDecision> = {
  name: 'herald_record_decisions',
  text: `
with ins as (
  insert into notifications (id, delivery_id, message_id, kind, status, imdn_message_id, payload)
  select * from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
    as n (id, delivery_id, message_id, kind, status, imdn_message_id, payload)
  -- No foreign keys (migration 0020): nothing is written for an unknown delivery.
  where exists (select 1 from deliveries d where d.id = n.delivery_id and d.message_id = n.message_id)
  on conflict (delivery_id, kind, status) do nothing
  returning ${NOTIFICATION_COLUMNS}
), chk as (
  insert into disposition_checks (delivery_id, version)
  select * from unnest($1::text[], $2::int4[]) as c (delivery_id, version)
  where exists (select 1 from deliveries d where d.id = c.delivery_id)
  on conflict (delivery_id) do update set version = greatest(disposition_checks.version, excluded.version), checked_at = now()
)
select ins.*, ${EARLIER_PENDING_COLUMNS} from ins
left join lateral (
  select id, kind, status, attempts, created_at from (
    select id, kind, status, attempts, created_at, state from notifications where delivery_id = ins.delivery_id offset 0
  ) own
  where state = 'pending' and id < ins.id
  order by id limit 1
) p on true`,
  // One check row per delivery per statement: ON CONFLICT DO UPDATE may touch a row once.
  keyOf: (op) => op.deliveryId,
  parameters: (ops) => {
    const notifications = ops.flatMap((op) => op.notifications);
    return [
      ops.map((op) => op.deliveryId),
      ops.map((op) => op.version),
      notifications.map((n) => n.id),
      notifications.map((n) => n.deliveryId),
      notifications.map((n) => n.messageId),
      notifications.map((n) => n.kind),
      notifications.map((n) => n.status),
      notifications.map((n) => n.imdnMessageId),
      notifications.map((n) => n.payload),
    ];
  },
  results: (rows, ops) => {
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ops.map((op) => ({
      created: op.notifications.flatMap((n) => {
        const row = byId.get(n.id);
        return row === undefined ? [] : [{ notification: toNotification(row), earlierPending: earlierPendingOf(row) }];
      }),
    }));
  },
};

function earlierPendingOf(row: EarlierPendingColumns): NotificationSendFacts['earlierPending'] {
  return row.p_id === null || row.p_kind === null || row.p_status === null || row.p_attempts === null || row.p_created_at === null
    ? undefined
    : { id: row.p_id, kind: row.p_kind, status: row.p_status, attempts: row.p_attempts, createdAt: row.p_created_at };
}

type SendFactsRow = NotificationRow & PrefixedMessageRow & EarlierPendingColumns & { readonly ord: string | number };

/**
 * A notification with the message it reports on and the oldest notification of the same
 * delivery still pending before it (IMDNs go out in order), or undefined when either the
 * notification or its message is gone. Ids are UUIDv7, made in the order the
 * notifications became due: `p.id < n.id` is "older". The earlier one is looked for among
 * the delivery's own few notifications (`offset 0` holds the planner to that index): combined
 * with the partial `pending` index it scanned every pending entry not yet vacuumed, a cost
 * per IMDN that grew with the load (0.23 ms per op at 300 messages/s, npm run bench).
 */
export const READ_FOR_SEND: BatchStatement<string, SendFactsRow, NotificationSendFacts | undefined> = {
  name: 'herald_read_for_send',
  text: `select r.ord, n.*, ${MESSAGE_COLUMNS_SQL}, ${EARLIER_PENDING_COLUMNS}
  from unnest($1::text[]) with ordinality as r (id, ord)
  cross join lateral (select ${NOTIFICATION_COLUMNS} from notifications where id = r.id offset 0) n
  cross join lateral (select ${MESSAGE_KEYS.join(', ')} from messages where id = n.message_id offset 0) m
  left join lateral (
    select id, kind, status, attempts, created_at from (
      select id, kind, status, attempts, created_at, state from notifications where delivery_id = n.delivery_id offset 0
    ) own
    where state = 'pending' and id < n.id
    order by id limit 1
  ) p on true`,
  keyOf: (id) => id,
  parameters: (ids) => [[...ids]],
  results: (rows, ids) =>
    rowsPerOp(rows, ids.length).map(([row]) => {
      if (row === undefined) return undefined;
      return { notification: toNotification(row), message: toPrefixedMessage(row), earlierPending: earlierPendingOf(row) };
    }),
};

export interface FinishWrite {
  readonly id: string;
  readonly attemptError: string | null;
  readonly finish: NonNullable<SendOutcome['finish']>;
}

/**
 * Counts one send attempt and moves each notification out of `pending`, appending its
 * outcome event. The attempt is counted even when another run finished the notification
 * first, as a separate update would. Results: whether this write finished it.
 */
export const FINISH_SENDS: BatchStatement<FinishWrite, { readonly ord: string | number; readonly was: string }, boolean> = {
  name: 'herald_finish_sends',
  text: `
with req as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[])
    with ordinality as r (id, attempt_error, finish_error, finish_state, sent_at, ev_type, ev_cause, ev_detail, ord)
), cur as (
  select n.* from (select id from req order by id) k
  cross join lateral (select id, state from notifications where id = k.id for no key update) n
), upd as (
  update notifications n set
    attempts = n.attempts + 1,
    last_error = coalesce(case when cur.state = 'pending' then req.finish_error end, req.attempt_error),
    state = case when cur.state = 'pending' then req.finish_state else n.state end,
    sent_at = case when cur.state = 'pending' then req.sent_at else n.sent_at end
  from cur join req on req.id = cur.id
  where n.id = cur.id
  returning n.message_id, n.delivery_id, cur.state as was, req.ord as ord
), ev as (
  insert into events (message_id, delivery_id, type, cause, detail)
  select upd.message_id, upd.delivery_id, req.ev_type, req.ev_cause, req.ev_detail::jsonb
  from upd join req on req.ord = upd.ord
  where upd.was = 'pending'
  order by upd.ord
)
select ord, was from upd`,
  keyOf: (op) => op.id,
  parameters: (ops) => [
    ops.map((op) => op.id),
    ops.map((op) => op.attemptError),
    ops.map((op) => clip(op.finish.error)),
    ops.map((op) => op.finish.state),
    ops.map((op) => (op.finish.state === 'sent' ? op.finish.at : null)),
    ops.map((op) => op.finish.event.type),
    ops.map((op) => op.finish.event.cause),
    ops.map((op) => jsonText(op.finish.event.detail)),
  ],
  results: (rows, ops) => rowsPerOp(rows, ops.length).map(([row]) => row?.was === 'pending'),
};

/**
 * Counts one send attempt and, when `outcome.finish` is given, finishes the notification
 * through the writer ({@link FINISH_SENDS}).
 * @returns whether this call finished it (false: no longer pending, or no finish asked).
 */
export async function recordSendOutcome(db: DispositionDb, writer: LedgerWriter, id: string, outcome: SendOutcome): Promise<boolean> {
  const attemptError = clip(outcome.attemptError);
  const finish = outcome.finish;
  if (finish === undefined) {
    await sql`update notifications set attempts = attempts + 1, last_error = ${attemptError}::text where id = ${id}`.execute(db);
    return false;
  }
  return writer.finishSend({ id, attemptError, finish });
}
