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
import type { Kysely } from 'kysely';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import type { DeliveryWithMessage, StoredSegment } from '../ports/ledger.port.js';
import { toDelivery, toMessage, toSegment } from './rows.js';
import { runFixed } from './fixed-sql.js';
import type { DeliveryRow, LedgerDatabase, MessageRow, SegmentRow } from './schema.js';

/** The message's columns under an `m_` prefix, for joins whose other side has the same names. */
const MESSAGE_COLUMNS = [
  'm.id as m_id',
  'm.direction as m_direction',
  'm.source_channel as m_source_channel',
  'm.sender_uri as m_sender_uri',
  'm.sender_display_name as m_sender_display_name',
  'm.imdn_message_id as m_imdn_message_id',
  'm.imdn_requests as m_imdn_requests',
  'm.imdn_route as m_imdn_route',
  'm.subject as m_subject',
  'm.content_type as m_content_type',
  'm.body as m_body',
  'm.sent_at as m_sent_at',
  'm.dedupe_key as m_dedupe_key',
  'm.sip_call_id as m_sip_call_id',
  'm.created_at as m_created_at',
] as const;

const DELIVERY_COLUMNS = [
  'd.id as d_id',
  'd.message_id as d_message_id',
  'd.channel as d_channel',
  'd.original_recipient_uri as d_original_recipient_uri',
  'd.target_uri as d_target_uri',
  'd.copy_control as d_copy_control',
  'd.state as d_state',
  'd.version as d_version',
  'd.error_code as d_error_code',
  'd.error_text as d_error_text',
  'd.far_side_at as d_far_side_at',
  'd.created_at as d_created_at',
  'd.updated_at as d_updated_at',
] as const;

/** A delivery read through {@link DELIVERY_COLUMNS}. */
type PrefixedDeliveryRow = { readonly [K in keyof DeliveryRow as `d_${K & string}`]: DeliveryRow[K] };
type DeliveryWithMessageRow = PrefixedDeliveryRow & PrefixedMessageRow & { readonly sender_msisdn: string | null };
type SegmentWithDeliveryRow = SegmentRow & PrefixedDeliveryRow;

/** Column lists as SQL text, joined once (see fixed-sql.ts). */
export const MESSAGE_COLUMNS_SQL = MESSAGE_COLUMNS.join(', ');
const DELIVERY_COLUMNS_SQL = DELIVERY_COLUMNS.join(', ');

const DELIVERY_WITH_MESSAGE_SQL = `select ${DELIVERY_COLUMNS_SQL}, ${MESSAGE_COLUMNS_SQL}, dir.msisdn as sender_msisdn
  from deliveries d
  join messages m on m.id = d.message_id
  left join directory dir on dir.im_uri = m.sender_uri
  where d.id = $1`;

const SEGMENT_WITH_DELIVERY_SQL = `select s.*, ${DELIVERY_COLUMNS_SQL}
  from segments s
  join deliveries d on d.id = s.delivery_id
  where s.connection_id = $1 and s.smsc_message_id = $2`;

/** A message read through {@link MESSAGE_COLUMNS}. */
export type PrefixedMessageRow = { readonly [K in keyof MessageRow as `m_${K & string}`]: MessageRow[K] };

/** The message of a row selected with {@link MESSAGE_COLUMNS}. */
export function toPrefixedMessage(row: PrefixedMessageRow): StoredMessage {
  return toMessage({
    id: row.m_id,
    direction: row.m_direction,
    source_channel: row.m_source_channel,
    sender_uri: row.m_sender_uri,
    sender_display_name: row.m_sender_display_name,
    imdn_message_id: row.m_imdn_message_id,
    imdn_requests: row.m_imdn_requests,
    imdn_route: row.m_imdn_route,
    subject: row.m_subject,
    content_type: row.m_content_type,
    body: row.m_body,
    sent_at: row.m_sent_at,
    dedupe_key: row.m_dedupe_key,
    sip_call_id: row.m_sip_call_id,
    created_at: row.m_created_at,
  });
}

/**
 * A delivery, its message and the sender's MSISDN in the number directory (the SMS source
 * address), or undefined when the delivery does not exist.
 */
export async function readDeliveryWithMessage(
  db: Kysely<LedgerDatabase>,
  deliveryId: string,
): Promise<DeliveryWithMessage | undefined> {
  const [row] = await runFixed<DeliveryWithMessageRow>(db, DELIVERY_WITH_MESSAGE_SQL, [deliveryId]);
  if (row === undefined) return undefined;
  return {
    delivery: toDelivery({
      id: row.d_id,
      message_id: row.d_message_id,
      channel: row.d_channel,
      original_recipient_uri: row.d_original_recipient_uri,
      target_uri: row.d_target_uri,
      copy_control: row.d_copy_control,
      state: row.d_state,
      version: row.d_version,
      error_code: row.d_error_code,
      error_text: row.d_error_text,
      far_side_at: row.d_far_side_at,
      created_at: row.d_created_at,
      updated_at: row.d_updated_at,
    }),
    message: toPrefixedMessage(row),
    senderMsisdn: row.sender_msisdn ?? undefined,
  };
}

/** An SMS part by its SMSC id, with its delivery; undefined when no part has that id. */
export async function readSegmentWithDelivery(
  db: Kysely<LedgerDatabase>,
  connectionId: string,
  smscMessageId: string,
): Promise<{ readonly segment: StoredSegment; readonly delivery: StoredDelivery } | undefined> {
  const [row] = await runFixed<SegmentWithDeliveryRow>(db, SEGMENT_WITH_DELIVERY_SQL, [connectionId, smscMessageId]);
  if (row === undefined) return undefined;
  return {
    segment: toSegment(row),
    delivery: toDelivery({
      id: row.d_id,
      message_id: row.d_message_id,
      channel: row.d_channel,
      original_recipient_uri: row.d_original_recipient_uri,
      target_uri: row.d_target_uri,
      copy_control: row.d_copy_control,
      state: row.d_state,
      version: row.d_version,
      error_code: row.d_error_code,
      error_text: row.d_error_text,
      far_side_at: row.d_far_side_at,
      created_at: row.d_created_at,
      updated_at: row.d_updated_at,
    }),
  };
}
