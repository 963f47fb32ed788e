/**
 * The ledger's hot-path writer: how a new message and a state change reach PostgreSQL.
 *
 * Each kind of write is one fixed statement over arrays (`unnest($1::text[], …)`), so the
 * writes in flight at one moment go as one statement and one commit (group-commit.ts),
 * prepared once per connection under a name. Data-modifying CTEs make each statement
 * atomic on PostgreSQL and PGlite alike; fsync and synchronous_commit stay on, and a
 * caller hears of its write only after the commit.
 *
 * A write the batch could not make (unknown delivery, stale version, illegal move, a
 * dedupe key that exists) comes back as `undefined`: the ledger then takes its per-write
 * path, which says exactly why. So does every write of a batch that failed for any reason
 * but an unreachable database, so one bad write never fails its neighbours.
 */
import { DELIVERY_STATES, canTransition, type DeliveryState } from '../domain/delivery-state.js';
import type { NewDelivery } from '../domain/message.js';
import { GroupCommit } from './group-commit.js';
import { DELIVERY_KEYS, MESSAGE_COLUMNS_SQL, PREFIXED_MESSAGE_KEYS, type PrefixedMessageRow } from './joined-reads.js';
import type { EventJson } from './rows.js';
import type { DeliveryRow, MessageRow } from './schema.js';

/** Runs a fixed statement prepared under `name` (see connect.ts). */
export type StatementRunner = <R>(name: string, text: string, parameters: readonly unknown[]) => Promise<readonly R[]>;

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
 * Locks the deliveries (in id order, so two flushes never deadlock on each other), moves
 * each whose state and version allow it, and appends its state event. The history of a
 * delivery asked for it joins the event inserted here through the CTE's RETURNING rows:
 * a statement's own writes are invisible to its other reads.
 */
const TRANSITIONS_SQL = `
with req as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[],
                       $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[], $11::bool[])
    with ordinality as r (delivery_id, to_state, allowed_from, expected_version, error_code, error_text,
                          far_side_at, at, cause, detail, with_history, ord)
), cur as (
  select id, message_id, state, version, far_side_at from deliveries
  where id in (select delivery_id from req)
  order by id
  for update
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
  returning d.*, cur.state as from_state, req.ord as ord
), ev as (
  insert into events (message_id, delivery_id, at, type, from_state, to_state, cause, detail)
  select upd.message_id, upd.id, coalesce(req.at, now()), 'state', upd.from_state, upd.state, req.cause, req.detail::jsonb
  from upd join req on req.ord = upd.ord
  order by upd.ord
  returning *
)
select upd.*, ${MESSAGE_COLUMNS_SQL}, case when req.with_history then (
    select json_agg(e order by e.id) from (
      select * from events where delivery_id = upd.id and type in ('state', 'receipt')
      union all select * from ev where ev.delivery_id = upd.id
    ) e
  ) end as history
from upd join req on req.ord = upd.ord
left join messages m on req.with_history and m.id = upd.message_id`;

type TransitionRow = DeliveryRow & { readonly from_state: string; readonly ord: string | number } & Partial<HistoryColumns>;

function pick<T, K extends keyof T>(row: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = row[key];
  return out;
}

async function flushTransitions(run: StatementRunner, ops: readonly TransitionWrite[]): Promise<readonly (TransitionWritten | undefined)[]> {
  const rows = await run<TransitionRow>('herald_transitions', TRANSITIONS_SQL, [
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
  ]);
  const out: (TransitionWritten | undefined)[] = ops.map(() => undefined);
  for (const row of rows) {
    const index = Number(row.ord) - 1;
    const op = ops[index];
    if (op === undefined) continue;
    const delivery = pick(row, DELIVERY_KEYS);
    const history = op.withHistory && row.m_id !== undefined && row.m_id !== null
      ? { ...pick(row as TransitionRow & PrefixedMessageRow, PREFIXED_MESSAGE_KEYS), history: row.history ?? null }
      : undefined;
    out[index] = { row: delivery, from: row.from_state, history };
  }
  return out;
}

/** A message to record with its deliveries (state `accepted`). */
export interface RecordWrite {
  readonly message: Omit<MessageRow, 'created_at'>;
  readonly deliveries: readonly NewDelivery[];
}

export interface RecordWritten {
  readonly createdAt: Date;
  /** The deliveries' rows, any order. */
  readonly rows: readonly DeliveryRow[];
}

/**
 * Inserts the messages whose dedupe key is new, their deliveries in state `accepted` and
 * their `accepted` events. Array columns travel as JSON and the body as hex, since arrays
 * of arrays and of bytea do not pass through both drivers alike.
 */
const RECORD_MESSAGES_SQL = `
with mreq as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::text[], $14::text[])
    with ordinality as r (id, direction, source_channel, sender_uri, sender_display_name, imdn_message_id, imdn_requests,
                          imdn_route, subject, content_type, body_hex, sent_at, dedupe_key, sip_call_id, ord)
), dreq as (
  select * from unnest($15::int4[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[])
    as r (mord, id, channel, original_recipient_uri, target_uri, copy_control)
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
  insert into deliveries (id, message_id, channel, original_recipient_uri, target_uri, copy_control, state, version)
  select dreq.id, m.id, dreq.channel, dreq.original_recipient_uri, dreq.target_uri, dreq.copy_control, 'accepted', 1
  from dreq join mreq on mreq.ord = dreq.mord join m on m.id = mreq.id
  returning *
), e as (
  insert into events (message_id, delivery_id, at, type, from_state, to_state, cause, detail)
  select message_id, id, created_at, 'state', null, 'accepted', 'ingress', '{}'::jsonb from d
)
select d.*, m.created_at as message_created_at from d join m on m.id = d.message_id`;

type RecordRow = DeliveryRow & { readonly message_created_at: Date };

async function flushRecords(run: StatementRunner, ops: readonly RecordWrite[]): Promise<readonly (RecordWritten | undefined)[]> {
  const messages = ops.map((op) => op.message);
  const deliveries = ops.flatMap((op, index) => op.deliveries.map((delivery) => ({ mord: index + 1, delivery })));
  const rows = await run<RecordRow>('herald_record_messages', RECORD_MESSAGES_SQL, [
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
  ]);
  const byMessage = new Map<string, { createdAt: Date; rows: DeliveryRow[] }>();
  for (const { message_created_at: createdAt, ...row } of rows) {
    const entry = byMessage.get(row.message_id) ?? { createdAt, rows: [] };
    entry.rows.push(row);
    byMessage.set(row.message_id, entry);
  }
  return ops.map((op) => byMessage.get(op.message.id));
}

/**
 * The hot-path writer of one ledger: transitions and new messages, group-committed.
 * A message without deliveries never comes here (nothing to batch).
 */
export class LedgerWriter {
  readonly #transitions: GroupCommit<TransitionWrite, TransitionWritten | undefined>;
  readonly #records: GroupCommit<RecordWrite, RecordWritten | undefined>;

  constructor(run: StatementRunner, onFlush?: (kind: 'transition' | 'record', size: number) => void) {
    this.#transitions = new GroupCommit({
      flush: (ops) => flushTransitions(run, ops),
      keyOf: (op) => op.deliveryId,
      onFlush: onFlush && ((size) => onFlush('transition', size)),
    });
    this.#records = new GroupCommit({
      flush: (ops) => flushRecords(run, ops),
      // Two copies of one message (a retransmission) in one flush: the second would only
      // meet the first's dedupe key, so it waits and takes the per-write path.
      keyOf: (op) => op.message.dedupe_key,
      onFlush: onFlush && ((size) => onFlush('record', size)),
    });
  }

  /** @returns the moved row, or undefined when the batch could not move it (see the module comment). */
  transition(write: TransitionWrite): Promise<TransitionWritten | undefined> {
    return this.#transitions.submit(write);
  }

  /** @returns the stored rows, or undefined when the dedupe key existed. */
  recordMessage(write: RecordWrite): Promise<RecordWritten | undefined> {
    return this.#records.submit(write);
  }

  /** Resolves when every write submitted so far has settled. */
  async idle(): Promise<void> {
    await Promise.all([this.#transitions.idle(), this.#records.idle()]);
  }
}
