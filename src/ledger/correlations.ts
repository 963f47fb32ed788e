/**
 * SMS segments and other far-side ids. Workers are at-least-once, so recording an id a
 * second time for the same thing is a no-op; the unique keys only refuse the same id
 * claimed for a different thing (which would send a receipt to the wrong message).
 */
import { sql, type Kysely } from 'kysely';
import { isFinal } from '../domain/delivery-state.js';
import type { StoredDelivery } from '../domain/message.js';
import { heraldError } from '../errors.js';
import type {
  CorrelationKind,
  CorrelationStore,
  NewCorrelation,
  NewEvent,
  NewSegment,
  SegmentUpdate,
  StoredCorrelation,
  StoredSegment,
} from '../ports/ledger.port.js';
import { guarded } from './db-errors.js';
import type { LedgerWriter } from './writer.js';
import { jsonText, toCorrelation, toSegment } from './rows.js';
import type { LedgerDatabase, SegmentRow } from './schema.js';

/** {@link CorrelationStore} over the `segments` and `correlations` tables. */
export class KyselyCorrelationStore implements CorrelationStore {
  readonly #db: Kysely<LedgerDatabase>;
  readonly #writer: LedgerWriter;

  constructor(db: Kysely<LedgerDatabase>, writer: LedgerWriter) {
    this.#db = db;
    this.#writer = writer;
  }

  /** @throws GW_ERR_LEDGER_CONFLICT, GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  async insertSegment(segment: NewSegment): Promise<StoredSegment> {
    const { connectionId, smscMessageId } = segment;
    return guarded(`insertSegment ${connectionId}/${smscMessageId}`, async () => {
      const inserted = await this.#writer.insertSegment({
        deliveryId: segment.deliveryId,
        seq: segment.seq,
        total: segment.total,
        connectionId,
        smscMessageId,
        state: segment.state ?? 'submitted',
        errorCode: segment.errorCode ?? null,
        submittedAt: segment.submittedAt ?? null,
      });
      if (inserted !== undefined) return toSegment(inserted);
      // Not inserted: this part has the id already (a retried worker). An id recorded for
      // another part is not a conflict: SMSCs recycle ids (migration 0009).
      const existing = await this.#db
        .selectFrom('segments')
        .selectAll()
        .where('delivery_id', '=', segment.deliveryId)
        .where('seq', '=', segment.seq)
        .where('connection_id', '=', connectionId)
        .where('smsc_message_id', '=', smscMessageId)
        .executeTakeFirst();
      if (existing === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `segment ${connectionId}/${smscMessageId} of delivery ${segment.deliveryId}`);
      return toSegment(existing);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async findSegmentBySmscId(connectionId: string, smscMessageId: string): Promise<StoredSegment | undefined> {
    return guarded(`findSegmentBySmscId ${connectionId}/${smscMessageId}`, async () => {
      const row = await this.#db
        .selectFrom('segments')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('smsc_message_id', '=', smscMessageId)
        // A recycled id: the most recent part still waiting, else the most recent.
        .orderBy(sql`(final_at is null)`, 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : toSegment(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async findSegmentWithDelivery(connectionId: string, smscMessageId: string): Promise<{ readonly segment: StoredSegment; readonly delivery: StoredDelivery } | undefined> {
    return guarded(`findSegmentWithDelivery ${connectionId}/${smscMessageId}`, () => this.#writer.segmentWithDelivery({ connectionId, smscMessageId }));
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async listSegments(deliveryId: string): Promise<readonly StoredSegment[]> {
    return guarded(`listSegments ${deliveryId}`, async () => {
      const rows = await this.#db
        .selectFrom('segments')
        .selectAll()
        .where('delivery_id', '=', deliveryId)
        .orderBy('seq')
        .orderBy('id')
        .execute();
      return rows.map(toSegment);
    });
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  async updateSegment(update: SegmentUpdate): Promise<StoredSegment> {
    return guarded(`updateSegment ${update.segmentId}`, async () => {
      // Segment ids are bigserial: anything else cannot name a segment (and would be a
      // SQL cast error rather than a clean not-found).
      if (!/^\d{1,18}$/.test(update.segmentId)) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `segment ${update.segmentId}`);
      const finalAt = isFinal(update.state) ? (update.at ?? sql<Date>`now()`) : null;
      const row = await this.#db
        .updateTable('segments')
        .set({ state: update.state, error_code: update.errorCode ?? null, final_at: finalAt })
        .where('id', '=', update.segmentId)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `segment ${update.segmentId}`);
      return toSegment(row);
    });
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  async updateSegmentWithEvent(update: SegmentUpdate, event: NewEvent): Promise<StoredSegment> {
    return guarded(`updateSegmentWithEvent ${update.segmentId}`, async () => {
      if (!/^\d{1,18}$/.test(update.segmentId)) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `segment ${update.segmentId}`);
      // The part and its event in one statement, batched with other receipts' (writer.ts).
      const row = await this.#writer.updateSegment({
        segmentId: update.segmentId,
        state: update.state,
        errorCode: update.errorCode ?? null,
        final: isFinal(update.state),
        finalAt: update.at ?? null,
        event: {
          messageId: event.messageId,
          deliveryId: event.deliveryId ?? null,
          at: event.at ?? null,
          type: event.type,
          cause: event.cause,
          detail: jsonText(event.detail),
        },
      });
      if (row === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `segment ${update.segmentId}`);
      return toSegment(row);
    });
  }

  /** @throws GW_ERR_LEDGER_CONFLICT, GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  async putCorrelation(correlation: NewCorrelation): Promise<StoredCorrelation> {
    const { kind, key, deliveryId } = correlation;
    return guarded(`putCorrelation ${kind}/${key}`, async () => {
      const inserted = await this.#db
        .insertInto('correlations')
        .values({ kind, key, delivery_id: deliveryId })
        .onConflict((oc) => oc.columns(['kind', 'key']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) return toCorrelation(inserted);
      const existing = await this.findCorrelation(kind, key);
      if (existing !== undefined && existing.deliveryId === deliveryId) return existing;
      throw heraldError('GW_ERR_LEDGER_CONFLICT', `${kind} ${key} already belongs to delivery ${existing?.deliveryId ?? '?'}`, {
        meta: { kind, key, deliveryId: existing?.deliveryId },
      });
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async claimOverdueSegments(connectionIds: readonly string[], submittedBefore: Date, claimedBefore: Date, limit: number): Promise<readonly StoredSegment[]> {
    if (connectionIds.length === 0) return [];
    return guarded('claimOverdueSegments', async () => {
      // queried_at (migration 0009) is not in the row type: the hot-path reads select
      // segment columns by a fixed list, and only this sweep needs it.
      const result = await sql<SegmentRow>`
        update segments set queried_at = now()
        where id in (
          select id from segments
          where final_at is null and submitted_at < ${submittedBefore}
            and connection_id = any(${[...connectionIds]}::text[])
            and (queried_at is null or queried_at < ${claimedBefore})
          order by submitted_at
          limit ${limit}
          for update skip locked
        )
        returning id, delivery_id, seq, total, connection_id, smsc_message_id, state, error_code, submitted_at, final_at`.execute(this.#db);
      return result.rows.map(toSegment).sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime());
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async findCorrelation(kind: CorrelationKind, key: string): Promise<StoredCorrelation | undefined> {
    return guarded(`findCorrelation ${kind}/${key}`, async () => {
      const row = await this.#db
        .selectFrom('correlations')
        .selectAll()
        .where('kind', '=', kind)
        .where('key', '=', key)
        .executeTakeFirst();
      return row === undefined ? undefined : toCorrelation(row);
    });
  }
}
