/** SMS parts: stored as their submit_sm_resp arrives, updated (with the receipt event) as receipts come. */
import type { BatchStatement } from '../batch-statement.js';
import { SEGMENT_COLUMNS } from '../joined-reads.js';
import type { SegmentRow } from '../schema.js';

export interface SegmentInsert {
  readonly deliveryId: string;
  readonly seq: number;
  readonly total: number;
  readonly connectionId: string;
  readonly smscMessageId: string;
  readonly state: string;
  readonly errorCode: string | null;
  readonly submittedAt: Date | null;
}

/** One part's SMSC id: ids are recycled, so the key names the part it was given for (migration 0009). */
function segmentKey(deliveryId: string, seq: number | string, connectionId: string, smscMessageId: string): string {
  return `${deliveryId}\u0000${seq}\u0000${connectionId}\u0000${smscMessageId}`;
}

/** Inserts the parts not stored yet; a part stored before (a retried worker), or of no known delivery, has no row. */
export const INSERT_SEGMENTS: BatchStatement<SegmentInsert, SegmentRow, SegmentRow | undefined> = {
  name: 'herald_insert_segments',
  text: `
insert into segments (delivery_id, seq, total, connection_id, smsc_message_id, state, error_code, submitted_at)
select delivery_id, seq, total, connection_id, smsc_message_id, state, error_code, coalesce(submitted_at, now())
from unnest($1::text[], $2::int4[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
  with ordinality as r (delivery_id, seq, total, connection_id, smsc_message_id, state, error_code, submitted_at, ord)
-- No foreign key (migration 0020): a part of an unknown delivery is not written.
where exists (select 1 from deliveries d where d.id = r.delivery_id)
order by ord
on conflict (delivery_id, seq, connection_id, smsc_message_id) do nothing
returning ${SEGMENT_COLUMNS('')}`,
  keyOf: (op) => segmentKey(op.deliveryId, op.seq, op.connectionId, op.smscMessageId),
  parameters: (ops) => [
    ops.map((op) => op.deliveryId),
    ops.map((op) => op.seq),
    ops.map((op) => op.total),
    ops.map((op) => op.connectionId),
    ops.map((op) => op.smscMessageId),
    ops.map((op) => op.state),
    ops.map((op) => op.errorCode),
    ops.map((op) => op.submittedAt),
  ],
  results: (rows, ops) => {
    const byKey = new Map(rows.map((row) => [segmentKey(row.delivery_id, row.seq, row.connection_id, row.smsc_message_id), row]));
    return ops.map((op) => byKey.get(segmentKey(op.deliveryId, op.seq, op.connectionId, op.smscMessageId)));
  },
};

export interface SegmentUpdateWrite {
  /** A bigserial id, already checked to be digits. */
  readonly segmentId: string;
  readonly state: string;
  readonly errorCode: string | null;
  /** Whether `state` is final: final_at is then `finalAt`, or now(). */
  readonly final: boolean;
  readonly finalAt: Date | null;
  readonly event: {
    readonly messageId: string;
    readonly deliveryId: string | null;
    readonly at: Date | null;
    readonly type: string;
    readonly cause: string;
    /** JSON text. */
    readonly detail: string;
  };
}

type UpdatedSegmentRow = SegmentRow & { readonly ord: string | number };

/** Updates each part and appends its event: both or neither. An unknown part has no row. */
export const UPDATE_SEGMENTS: BatchStatement<SegmentUpdateWrite, UpdatedSegmentRow, SegmentRow | undefined> = {
  name: 'herald_update_segments',
  text: `
with req as (
  select * from unnest($1::int8[], $2::text[], $3::text[], $4::bool[], $5::timestamptz[],
                       $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::text[])
    with ordinality as r (segment_id, state, error_code, final, final_at, ev_message_id, ev_delivery_id, ev_at, ev_type, ev_cause, ev_detail, ord)
), upd as (
  update segments s set
    state = req.state,
    error_code = req.error_code,
    final_at = case when req.final then coalesce(req.final_at, now()) end
  from (select * from req order by segment_id) req
  cross join lateral (select id from segments where id = req.segment_id offset 0) k
  where s.id = k.id
  returning ${SEGMENT_COLUMNS('s.')}, req.ord as ord
), ev as (
  insert into events (message_id, delivery_id, at, type, cause, detail)
  select req.ev_message_id, req.ev_delivery_id, coalesce(req.ev_at, now()), req.ev_type, req.ev_cause, req.ev_detail::jsonb
  from upd join req on req.ord = upd.ord
  order by upd.ord
)
select * from upd`,
  keyOf: (op) => op.segmentId,
  parameters: (ops) => [
    ops.map((op) => op.segmentId),
    ops.map((op) => op.state),
    ops.map((op) => op.errorCode),
    ops.map((op) => op.final),
    ops.map((op) => op.finalAt),
    ops.map((op) => op.event.messageId),
    ops.map((op) => op.event.deliveryId),
    ops.map((op) => op.event.at),
    ops.map((op) => op.event.type),
    ops.map((op) => op.event.cause),
    ops.map((op) => op.event.detail),
  ],
  results: (rows, ops) => {
    const out: (SegmentRow | undefined)[] = ops.map(() => undefined);
    for (const { ord, ...row } of rows) out[Number(ord) - 1] = row;
    return out;
  },
};
