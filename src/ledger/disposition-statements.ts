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
import type { NotificationSendFacts, SendOutcome } from '../ports/disposition-store.port.js';
import { clip, toNotification, type DispositionDb, type NotificationRow } from './disposition-rows.js';
import { runFixed } from './fixed-sql.js';
import { MESSAGE_COLUMNS_SQL, toPrefixedMessage, type PrefixedMessageRow } from './joined-reads.js';
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

/**
 * Creates the notifications not yet there (the unique key keeps each once) and records
 * that the delivery was decided at `version`, in one statement.
 * @returns the notifications this call created, in the order given.
 */
export async function recordDecision(
  db: DispositionDb,
  deliveryId: string,
  version: number,
  notifications: readonly NewNotification[],
): Promise<readonly StoredNotification[]> {
  const check = sql`
    insert into disposition_checks (delivery_id, version) values (${deliveryId}, ${version}::integer)
    on conflict (delivery_id) do update set version = greatest(disposition_checks.version, excluded.version), checked_at = now()`;
  if (notifications.length === 0) {
    await check.execute(db);
    return [];
  }
  const values = sql.join(
    notifications.map(
      (n) =>
        sql`(${n.id}::text, ${n.deliveryId}::text, ${n.messageId}::text, ${n.kind}::text, ${n.status}::text, ${n.imdnMessageId}::text, ${n.payload}::text)`,
    ),
  );
  const result = await sql<NotificationRow>`
    with ins as (
      insert into notifications (id, delivery_id, message_id, kind, status, imdn_message_id, payload)
      values ${values}
      on conflict (delivery_id, kind, status) do nothing
      returning *
    ), chk as (${check})
    select * from ins`.execute(db);
  const created = new Map(result.rows.map((row) => [row.id, toNotification(row)]));
  return notifications.flatMap((n) => created.get(n.id) ?? []);
}

type SendFactsRow = NotificationRow &
  PrefixedMessageRow & {
    readonly p_id: string | null;
    readonly p_kind: string | null;
    readonly p_status: string | null;
    readonly p_attempts: number | null;
    readonly p_created_at: Date | null;
  };

// Ids are UUIDv7, made in the order the notifications became due: `p.id < n.id` is "older".
const READ_FOR_SEND_SQL = `select n.*, ${MESSAGE_COLUMNS_SQL},
    p.id as p_id, p.kind as p_kind, p.status as p_status, p.attempts as p_attempts, p.created_at as p_created_at
  from notifications n
  join messages m on m.id = n.message_id
  left join lateral (
    select id, kind, status, attempts, created_at from notifications
    where delivery_id = n.delivery_id and state = 'pending' and id < n.id
    order by id limit 1
  ) p on true
  where n.id = $1`;

/**
 * A notification with the message it reports on and the oldest notification of the same
 * delivery still pending before it (IMDNs go out in order), or undefined when either the
 * notification or its message is gone.
 */
export async function readForSend(db: DispositionDb, notificationId: string): Promise<NotificationSendFacts | undefined> {
  const [row] = await runFixed<SendFactsRow>(db, READ_FOR_SEND_SQL, [notificationId]);
  if (row === undefined) return undefined;
  const notification = toNotification(row);
  const earlier =
    row.p_id === null || row.p_kind === null || row.p_status === null || row.p_attempts === null || row.p_created_at === null
      ? undefined
      : { id: row.p_id, kind: row.p_kind, status: row.p_status, attempts: row.p_attempts, createdAt: row.p_created_at };
  return { notification, message: toPrefixedMessage(row), earlierPending: earlier };
}

/**
 * Counts one send attempt and, when `outcome.finish` is given, moves the notification out
 * of `pending` and appends its outcome event, in one statement. The attempt is counted
 * even when another run finished the notification first, as a separate update would.
 * @returns whether this call finished it (false: no longer pending, or no finish asked).
 */
export async function recordSendOutcome(db: DispositionDb, id: string, outcome: SendOutcome): Promise<boolean> {
  const attemptError = clip(outcome.attemptError);
  const finish = outcome.finish;
  if (finish === undefined) {
    await sql`update notifications set attempts = attempts + 1, last_error = ${attemptError}::text where id = ${id}`.execute(db);
    return false;
  }
  const result = await sql<{ was: string }>`
    with cur as (
      select id, state from notifications where id = ${id} for update
    ), upd as (
      update notifications n set
        attempts = n.attempts + 1,
        last_error = coalesce(case when cur.state = 'pending' then ${clip(finish.error)}::text end, ${attemptError}::text),
        state = case when cur.state = 'pending' then ${finish.state}::text else n.state end,
        sent_at = case when cur.state = 'pending' then ${finish.state === 'sent' ? finish.at : null}::timestamptz else n.sent_at end
      from cur
      where n.id = cur.id
      returning n.message_id, n.delivery_id, cur.state as was
    ), ev as (
      insert into events (message_id, delivery_id, type, cause, detail)
      select message_id, delivery_id, ${finish.event.type}, ${finish.event.cause}, ${jsonText(finish.event.detail)}::jsonb
      from upd where was = 'pending'
    )
    select was from upd`.execute(db);
  return result.rows[0]?.was === 'pending';
}
