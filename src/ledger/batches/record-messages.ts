/** A new message with its deliveries (state `accepted`) and their `accepted` events. */
import type { JobBatch } from '../../domain/jobs.js';
import type { NewDelivery } from '../../domain/message.js';
import type { BatchStatement } from '../batch-statement.js';
import { DELIVERY_COLUMNS } from '../joined-reads.js';
import type { DeliveryRow, MessageRow } from '../schema.js';

export interface RecordWrite {
  readonly message: Omit<MessageRow, 'created_at'>;
  readonly deliveries: readonly NewDelivery[];
}

export interface RecordWritten {
  readonly createdAt: Date;
  /** The deliveries' rows, any order. */
  readonly rows: readonly DeliveryRow[];
  /** The sender's number in the directory (the SMS source address), read while writing. */
  readonly senderMsisdn: string | undefined;
  /**
   * Every delivery of the statement recorded for the shared job (`inBatchJob`), this
   * message's and the other messages' alike: whoever enqueues first enqueues them all.
   */
  readonly batch?: JobBatch | undefined;
}

/**
 * The shared job's id for the deliveries of one statement: from its first message's id,
 * so it is unique, and both the parameters and the results derive the same one (a batch
 * that fails is run again op by op, each with its own).
 */
function batchJobId(ops: readonly RecordWrite[]): string {
  return `b-${ops[0]?.message.id ?? ''}`;
}

type RecordRow = DeliveryRow & { readonly message_created_at: Date; readonly sender_msisdn: string | null };

/**
 * Inserts the messages whose dedupe key is new, with their deliveries and events. A
 * message whose key existed has no row. Array columns travel as JSON and the body as hex:
 * arrays of arrays and of bytea do not pass through both drivers alike.
 */
export const RECORD_MESSAGES: BatchStatement<RecordWrite, RecordRow, RecordWritten | undefined> = {
  name: 'herald_record_messages',
  text: `
with mreq as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::text[], $14::text[])
    with ordinality as r (id, direction, source_channel, sender_uri, sender_display_name, imdn_message_id, imdn_requests,
                          imdn_route, subject, content_type, body_hex, sent_at, dedupe_key, sip_call_id, ord)
), dreq as (
  select * from unnest($15::int4[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[])
    as r (mord, id, channel, original_recipient_uri, target_uri, copy_control, job_id)
), m as (
  insert into messages (id, direction, source_channel, sender_uri, sender_display_name, imdn_message_id, imdn_requests,
    imdn_route, subject, content_type, body, sent_at, dedupe_key, sip_call_id)
  select id, direction, source_channel, sender_uri, sender_display_name, imdn_message_id,
    array(select jsonb_array_elements_text(imdn_requests::jsonb)), array(select jsonb_array_elements_text(imdn_route::jsonb)),
    subject, content_type, decode(body_hex, 'hex'), sent_at, dedupe_key, sip_call_id
  from mreq order by ord
  on conflict (dedupe_key) do nothing
  returning id, created_at
), d as (
  insert into deliveries (id, message_id, channel, original_recipient_uri, target_uri, copy_control, job_id, state, version)
  select dreq.id, m.id, dreq.channel, dreq.original_recipient_uri, dreq.target_uri, dreq.copy_control, dreq.job_id, 'accepted', 1
  from dreq join mreq on mreq.ord = dreq.mord join m on m.id = mreq.id
  returning ${DELIVERY_COLUMNS('')}
), e as (
  insert into events (message_id, delivery_id, at, type, from_state, to_state, cause, detail)
  select message_id, id, created_at, 'state', null, 'accepted', 'ingress', '{}'::jsonb from d
)
select d.*, m.created_at as message_created_at,
  (select dir.msisdn from directory dir where dir.im_uri = mreq.sender_uri) as sender_msisdn
from d join m on m.id = d.message_id join mreq on mreq.id = m.id`,
  // Two copies of one message (a retransmission) never share a statement: the second
  // would only meet the first's dedupe key, so it waits and takes the per-write path.
  keyOf: (op) => op.message.dedupe_key,
  parameters: (ops) => {
    const messages = ops.map((op) => op.message);
    const deliveries = ops.flatMap((op, index) => op.deliveries.map((delivery) => ({ mord: index + 1, delivery })));
    const jobId = batchJobId(ops);
    return [
      messages.map((m) => m.id),
      messages.map((m) => m.direction),
      messages.map((m) => m.source_channel),
      messages.map((m) => m.sender_uri),
      messages.map((m) => m.sender_display_name),
      messages.map((m) => m.imdn_message_id),
      messages.map((m) => JSON.stringify(m.imdn_requests)),
      messages.map((m) => JSON.stringify(m.imdn_route)),
      messages.map((m) => m.subject),
      messages.map((m) => m.content_type),
      messages.map((m) => Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('hex')),
      messages.map((m) => m.sent_at),
      messages.map((m) => m.dedupe_key),
      messages.map((m) => m.sip_call_id),
      deliveries.map((d) => d.mord),
      deliveries.map((d) => d.delivery.id),
      deliveries.map((d) => d.delivery.channel),
      deliveries.map((d) => d.delivery.originalRecipientUri),
      deliveries.map((d) => d.delivery.targetUri),
      deliveries.map((d) => d.delivery.copyControl ?? null),
      deliveries.map((d) => (d.delivery.inBatchJob === true ? jobId : null)),
    ];
  },
  results: (rows, ops) => {
    const byMessage = new Map<string, { createdAt: Date; senderMsisdn: string | undefined; rows: DeliveryRow[] }>();
    for (const { message_created_at: createdAt, sender_msisdn: msisdn, ...row } of rows) {
      const entry = byMessage.get(row.message_id) ?? { createdAt, senderMsisdn: msisdn ?? undefined, rows: [] };
      entry.rows.push(row);
      byMessage.set(row.message_id, entry);
    }
    // Only messages written here: a duplicate's deliveries were never recorded.
    const members = ops
      .filter((op) => byMessage.has(op.message.id))
      .flatMap((op) => op.deliveries.filter((d) => d.inBatchJob === true).map((d) => ({ deliveryId: d.id, channel: d.channel })));
    const batch: JobBatch | undefined = members.length === 0 ? undefined : { jobId: batchJobId(ops), members };
    return ops.map((op) => {
      const entry = byMessage.get(op.message.id);
      return entry === undefined ? undefined : { ...entry, batch };
    });
  },
};
