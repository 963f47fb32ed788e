/**
 * Reads the SMS channel makes together, as one query each: a job reads its delivery, its
 * message and the sender's directory number; a receipt its part and the part's delivery.
 * Every round trip to PostgreSQL costs a socket write and a wake-up on both sides (the
 * largest share of the gateway's CPU under load, npm run bench), so they are joined.
 *
 * Inner joins are exact here: deliveries.message_id and segments.delivery_id are foreign
 * keys with ON DELETE CASCADE, so a delivery without its message (or a part without its
 * delivery) cannot exist.
 */
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import type { DeliveryWithMessage, StoredSegment } from '../ports/ledger.port.js';
import { toDelivery, toMessage, toSegment } from './rows.js';
import { rowsPerOp, withoutOrd, type BatchStatement } from './batch-statement.js';
import type { DeliveryRow, MessageRow, SegmentRow } from './schema.js';

type Ord = { readonly ord: string | number };

/** Every column of a message row: the joins' select lists and the mapping back both come from it. */
export const MESSAGE_KEYS = [
  'id',
  'direction',
  'source_channel',
  'sender_uri',
  'sender_display_name',
  'imdn_message_id',
  'imdn_requests',
  'imdn_route',
  'subject',
  'content_type',
  'body',
  'sent_at',
  'dedupe_key',
  'sip_call_id',
  'created_at',
] as const satisfies readonly (keyof MessageRow)[];

/** Every column of a delivery row. */
export const DELIVERY_KEYS = [
  'id',
  'message_id',
  'channel',
  'original_recipient_uri',
  'target_uri',
  'copy_control',
  'state',
  'version',
  'error_code',
  'error_text',
  'far_side_at',
  'job_id',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof DeliveryRow)[];

/** Every column of an SMS part row. */
export const SEGMENT_KEYS = [
  'id',
  'delivery_id',
  'seq',
  'total',
  'connection_id',
  'smsc_message_id',
  'state',
  'error_code',
  'submitted_at',
  'final_at',
] as const satisfies readonly (keyof SegmentRow)[];

/**
 * Column lists for the writer's named statements, which never say `*`: a prepared
 * statement whose `*` gains a column (a migration run by a newer node) fails with "cached
 * plan must not change result type" on every connection that prepared it.
 */
export const DELIVERY_COLUMNS = (alias: string): string => DELIVERY_KEYS.map((key) => `${alias}${key}`).join(', ');
export const SEGMENT_COLUMNS = (alias: string): string => SEGMENT_KEYS.map((key) => `${alias}${key}`).join(', ');

// A column added to either table and not to its list fails to compile here.
const EVERY_MESSAGE_COLUMN: [Exclude<keyof MessageRow, (typeof MESSAGE_KEYS)[number]>] extends [never] ? true : false = true;
const EVERY_DELIVERY_COLUMN: [Exclude<keyof DeliveryRow, (typeof DELIVERY_KEYS)[number]>] extends [never] ? true : false = true;
const EVERY_SEGMENT_COLUMN: [Exclude<keyof SegmentRow, (typeof SEGMENT_KEYS)[number]>] extends [never] ? true : false = true;
void EVERY_MESSAGE_COLUMN;
void EVERY_DELIVERY_COLUMN;
void EVERY_SEGMENT_COLUMN;

/** A row's columns under a prefix, for joins whose sides share column names. */
type Prefixed<R, P extends string> = { readonly [K in keyof R as `${P}${K & string}`]: R[K] };
/** A message selected with {@link MESSAGE_COLUMNS_SQL}. */
export type PrefixedMessageRow = Prefixed<MessageRow, 'm_'>;
/** A delivery selected with {@link DELIVERY_COLUMNS_SQL}. */
type PrefixedDeliveryRow = Prefixed<DeliveryRow, 'd_'>;
type DeliveryWithMessageRow = PrefixedDeliveryRow & PrefixedMessageRow & { readonly sender_msisdn: string | null };
type SegmentWithDeliveryRow = SegmentRow & PrefixedDeliveryRow;

/** The prefixed names of {@link MESSAGE_KEYS}, e.g. to pick them out of a wider row. */
export const PREFIXED_MESSAGE_KEYS = MESSAGE_KEYS.map((key) => `m_${key}` as const);

/** The row under `prefix`, back under its own column names. */
function unprefixed<R, P extends string>(row: Prefixed<R, P>, prefix: P, keys: readonly (keyof R & string)[]): R {
  const source = row as Readonly<Record<string, unknown>>;
  return Object.fromEntries(keys.map((key) => [key, source[`${prefix}${key}`]])) as R;
}

/** Column lists as SQL text, joined once: the statements are fixed text, only their parameters vary. */
export const MESSAGE_COLUMNS_SQL = MESSAGE_KEYS.map((key) => `m.${key} as m_${key}`).join(', ');
const DELIVERY_COLUMNS_SQL = DELIVERY_KEYS.map((key) => `d.${key} as d_${key}`).join(', ');

/**
 * Each delivery asked for (by position), with its message and the sender's directory
 * number. The look-ups are LATERAL with `offset 0` (which keeps the planner from
 * flattening them into a join): an index probe per op, never a hash join that scans a
 * table because the planner guessed `unnest`'s row count wrong.
 */
const DELIVERIES_WITH_MESSAGE_SQL = `select r.ord, j.* from unnest($1::text[]) with ordinality as r (id, ord)
  cross join lateral (
    select ${DELIVERY_COLUMNS_SQL}, ${MESSAGE_COLUMNS_SQL}, dir.msisdn as sender_msisdn
    from deliveries d
    join messages m on m.id = d.message_id
    left join directory dir on dir.im_uri = m.sender_uri
    where d.id = r.id
    offset 0
  ) j`;

/** Each SMS part asked for by (connection, SMSC id), with its delivery. */
const SEGMENTS_WITH_DELIVERY_SQL = `select r.ord, j.* from unnest($1::text[], $2::text[]) with ordinality as r (connection_id, smsc_message_id, ord)
  cross join lateral (
    select ${SEGMENT_COLUMNS('s.')}, ${DELIVERY_COLUMNS_SQL}
    from segments s
    join deliveries d on d.id = s.delivery_id
    where s.connection_id = r.connection_id and s.smsc_message_id = r.smsc_message_id
    -- A recycled SMSC id (migration 0009): the most recent part still waiting, else the most recent.
    order by (s.final_at is null) desc, s.id desc
    limit 1
  ) j`;

/** The message of a row selected with {@link MESSAGE_COLUMNS_SQL}. */
export function toPrefixedMessage(row: PrefixedMessageRow): StoredMessage {
  return toMessage(unprefixed<MessageRow, 'm_'>(row, 'm_', MESSAGE_KEYS));
}

/** The delivery of a row selected with {@link DELIVERY_COLUMNS_SQL}. */
function toPrefixedDelivery(row: PrefixedDeliveryRow): StoredDelivery {
  return toDelivery(unprefixed<DeliveryRow, 'd_'>(row, 'd_', DELIVERY_KEYS));
}

/**
 * A delivery, its message and the sender's MSISDN in the number directory (the SMS source
 * address), or undefined when the delivery does not exist: what a channel job reads first.
 */
export const DELIVERIES_WITH_MESSAGE: BatchStatement<string, DeliveryWithMessageRow & Ord, DeliveryWithMessage | undefined> = {
  name: 'herald_deliveries_with_message',
  text: DELIVERIES_WITH_MESSAGE_SQL,
  // Reads may share a key; it only keeps a statement's rows one per op.
  keyOf: (deliveryId) => deliveryId,
  parameters: (ids) => [[...ids]],
  results: (rows, ids) =>
    rowsPerOp(rows, ids.length).map(([row]) =>
      row === undefined
        ? undefined
        : { delivery: toPrefixedDelivery(row), message: toPrefixedMessage(row), senderMsisdn: row.sender_msisdn ?? undefined },
    ),
};

/** An SMS part by its SMSC id, with its delivery (what a receipt reads); undefined when no part has that id. */
export const SEGMENTS_WITH_DELIVERY: BatchStatement<
  { readonly connectionId: string; readonly smscMessageId: string },
  SegmentWithDeliveryRow & Ord,
  { readonly segment: StoredSegment; readonly delivery: StoredDelivery } | undefined
> = {
  name: 'herald_segments_with_delivery',
  text: SEGMENTS_WITH_DELIVERY_SQL,
  keyOf: (op) => `${op.connectionId}\u0000${op.smscMessageId}`,
  parameters: (ops) => [ops.map((op) => op.connectionId), ops.map((op) => op.smscMessageId)],
  results: (rows, ops) =>
    rowsPerOp(rows, ops.length).map(([row]) => (row === undefined ? undefined : { segment: toSegment(withoutOrd(row)), delivery: toPrefixedDelivery(row) })),
};
