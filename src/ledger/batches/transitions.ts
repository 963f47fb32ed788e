/**
 * A delivery's state change: lock, check the state machine and the expected version, move,
 * append the state event; for the dispositions module also the message and the delivery's
 * timeline, in the same statement.
 */
import { DELIVERY_STATES, canTransition, type DeliveryState } from '../../domain/delivery-state.js';
import type { BatchStatement } from '../batch-statement.js';
import { DELIVERY_COLUMNS, DELIVERY_KEYS, MESSAGE_COLUMNS_SQL, PREFIXED_MESSAGE_KEYS, type PrefixedMessageRow } from '../joined-reads.js';
import type { EventJson } from '../rows.js';
import type { DeliveryRow } from '../schema.js';

/** States from which `to` may be entered, comma-joined, by target state (the state machine, precomputed). */
const ALLOWED_FROM: ReadonlyMap<DeliveryState, string> = new Map(
  DELIVERY_STATES.map((to) => [to, DELIVERY_STATES.filter((from) => canTransition(from, to)).join(',')]),
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
  /** Also read the message and the delivery's timeline (what deciding IMDNs needs). */
  readonly withHistory: boolean;
}

/** What a transition read with its history returns besides the delivery. */
export type HistoryColumns = PrefixedMessageRow & { readonly history: EventJson[] | null };

export interface TransitionWritten {
  readonly row: DeliveryRow;
  /** The state the delivery left. */
  readonly from: string;
  readonly history?: HistoryColumns | undefined;
}

/**
 * What one transition came to: moved; refused, with the state and version the delivery
 * has (the caller tells a stale version from a move the machine does not allow); or
 * missing, no such delivery. A refusal costs no second round trip, which matters because
 * races (a receipt overtaking its submit worker) refuse many transitions under load.
 */
export type TransitionOutcome =
  | { readonly kind: 'moved'; readonly written: TransitionWritten }
  | { readonly kind: 'refused'; readonly state: string; readonly version: number }
  | { readonly kind: 'missing' };

type Nullable<T> = { readonly [K in keyof T]: T[K] | null };
type TransitionRow = Nullable<DeliveryRow> &
  PrefixedMessageRow & {
    readonly req_ord: string | number;
    readonly cur_state: string | null;
    readonly cur_version: number | null;
    readonly from_state: string | null;
    readonly history: EventJson[] | null;
  };

function pick<T, K extends keyof T>(row: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = row[key];
  return out;
}

/**
 * Locks the deliveries in id order (two flushes, or two nodes, never deadlock on each
 * other) with FOR NO KEY UPDATE, the lock the UPDATE takes anyway: FOR UPDATE would also
 * block the foreign-key share locks that the part, event and notification batches take on
 * the same deliveries in their own order, a cycle between flushes. Moves each whose state and version allow it and appends its state event. Every
 * look-up by key is a LATERAL subquery: an index probe per op whatever the planner thinks
 * of `unnest`'s row count (a hash join would scan the whole table). A
 * history joins the event inserted here through the CTE's RETURNING rows: a statement's
 * own writes are invisible to its other reads. Every op has a row: the moved delivery, or
 * the locked row's state and version when it did not move, or nulls when there is none.
 */
export const TRANSITIONS: BatchStatement<TransitionWrite, TransitionRow, TransitionOutcome> = {
  name: 'herald_transitions',
  text: `
with req as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[],
                       $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[], $11::bool[])
    with ordinality as r (delivery_id, to_state, allowed_from, expected_version, error_code, error_text,
                          far_side_at, at, cause, detail, with_history, ord)
), cur as (
  select d.* from (select delivery_id from req order by delivery_id) k
  cross join lateral (
    select id, message_id, state, version, far_side_at from deliveries where id = k.delivery_id for no key update
  ) d
), upd as (
  update deliveries d set
    state = req.to_state,
    version = cur.version + 1,
    error_code = req.error_code,
    error_text = req.error_text,
    far_side_at = coalesce(req.far_side_at, cur.far_side_at),
    updated_at = now()
  from cur join req on req.delivery_id = cur.id
  where d.id = cur.id
    and d.version = cur.version
    and cur.state = any(string_to_array(req.allowed_from, ','))
    and (req.expected_version is null or cur.version = req.expected_version)
  returning ${DELIVERY_COLUMNS('d.')}, cur.state as from_state, req.ord as ord
), ev as (
  insert into events (message_id, delivery_id, at, type, from_state, to_state, cause, detail)
  select upd.message_id, upd.id, coalesce(req.at, now()), 'state', upd.from_state, upd.state, req.cause, req.detail::jsonb
  from upd join req on req.ord = upd.ord
  order by upd.ord
  returning *
)
select req.ord as req_ord, cur.state as cur_state, cur.version as cur_version,
  ${DELIVERY_COLUMNS('upd.')}, upd.from_state, ${MESSAGE_COLUMNS_SQL},
  case when req.with_history and upd.id is not null then (
    select json_agg(e order by e.id) from (
      select * from events where delivery_id = upd.id and type in ('state', 'receipt')
      union all select * from ev where ev.delivery_id = upd.id
    ) e
  ) end as history
from req
left join cur on cur.id = req.delivery_id
left join upd on upd.ord = req.ord
left join messages m on req.with_history and m.id = upd.message_id`,
  keyOf: (op) => op.deliveryId,
  parameters: (ops) => [
    ops.map((op) => op.deliveryId),
    ops.map((op) => op.to),
    ops.map((op) => ALLOWED_FROM.get(op.to) ?? ''),
    ops.map((op) => op.expectedVersion ?? null),
    ops.map((op) => op.errorCode ?? null),
    ops.map((op) => op.errorText ?? null),
    ops.map((op) => op.farSideAt ?? null),
    ops.map((op) => op.at ?? null),
    ops.map((op) => op.cause),
    ops.map((op) => op.detail),
    ops.map((op) => op.withHistory),
  ],
  results: (rows, ops) => {
    const out: TransitionOutcome[] = ops.map(() => ({ kind: 'missing' }));
    for (const row of rows) {
      const index = Number(row.req_ord) - 1;
      if (ops[index] === undefined) continue;
      out[index] = outcomeOf(row);
    }
    return out;
  },
};

function outcomeOf(row: TransitionRow): TransitionOutcome {
  if (row.cur_state === null || row.cur_version === null) return { kind: 'missing' };
  const moved = pick(row, DELIVERY_KEYS);
  if (!isMovedRow(moved) || row.from_state === null) return { kind: 'refused', state: row.cur_state, version: row.cur_version };
  const history = row.m_id === null || row.m_id === undefined ? undefined : { ...pick(row, PREFIXED_MESSAGE_KEYS), history: row.history };
  return { kind: 'moved', written: { row: moved, from: row.from_state, history } };
}

/** The delivery columns of a moved row: the update returned them, so the not-null ones are set. */
function isMovedRow(row: Nullable<DeliveryRow>): row is DeliveryRow {
  return row.id !== null && row.message_id !== null && row.state !== null && row.version !== null;
}
