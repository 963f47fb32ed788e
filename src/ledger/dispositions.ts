/**
 * The dispositions module's tables (migration 0004) over Kysely, for PostgreSQL and PGlite.
 */
import { sql, type Kysely } from 'kysely';
import { FINAL_STATES } from '../domain/delivery-state.js';
import type { DeliveryEvent, StoredMessage } from '../domain/message.js';
import type { NewNotification, StoredNotification } from '../domain/notification.js';
import { heraldError } from '../errors.js';
import type { DispositionStore, NotificationSendFacts, RecordedDecision, SendOutcome, UncheckedDelivery } from '../ports/disposition-store.port.js';
import { guarded } from './db-errors.js';
import { clip, toNotification, type DispositionChecksTable, type DispositionDb, type NotificationsTable } from './disposition-rows.js';
import { readDecisionFacts, recordSendOutcome } from './disposition-statements.js';
import type { LedgerWriter } from './writer.js';
import { toMessage } from './rows.js';
import type { LedgerDatabase } from './schema.js';

/** {@link DispositionStore} over Kysely. */
export class KyselyDispositionStore implements DispositionStore {
  readonly #db: DispositionDb;
  readonly #writer: LedgerWriter;

  constructor(db: Kysely<LedgerDatabase>, writer: LedgerWriter) {
    this.#db = db.withTables<{ notifications: NotificationsTable; disposition_checks: DispositionChecksTable }>();
    this.#writer = writer;
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async readDecisionFacts(messageId: string, deliveryId: string): Promise<{ readonly message: StoredMessage; readonly events: readonly DeliveryEvent[] } | undefined> {
    return guarded(`readDecisionFacts ${deliveryId}`, () => readDecisionFacts(this.#db, messageId, deliveryId));
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  async recordDecision(deliveryId: string, version: number, notifications: readonly NewNotification[]): Promise<RecordedDecision> {
    return guarded(`recordDecision ${deliveryId}`, () => this.#writer.recordDecision({ deliveryId, version, notifications }));
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async readForSend(notificationId: string): Promise<NotificationSendFacts | undefined> {
    return guarded(`readForSend ${notificationId}`, () => this.#writer.readForSend(notificationId));
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async recordSendOutcome(id: string, outcome: SendOutcome): Promise<boolean> {
    return guarded(`recordSendOutcome ${id}`, () => recordSendOutcome(this.#db, this.#writer, id, outcome));
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  async insertNotification(n: NewNotification): Promise<{ readonly notification: StoredNotification; readonly created: boolean }> {
    return guarded(`insertNotification ${n.deliveryId} ${n.kind}/${n.status}`, async () => {
      // No foreign key (migration 0020): the delivery's existence is checked here. Off the
      // hot path (display and processing notifications), so the extra read costs little.
      const known = await this.#db.selectFrom('deliveries').select('id').where('id', '=', n.deliveryId).where('message_id', '=', n.messageId).executeTakeFirst();
      if (known === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `delivery ${n.deliveryId} of message ${n.messageId}`);
      const inserted = await this.#db
        .insertInto('notifications')
        .values({
          id: n.id,
          delivery_id: n.deliveryId,
          message_id: n.messageId,
          kind: n.kind,
          status: n.status,
          imdn_message_id: n.imdnMessageId,
          payload: n.payload,
        })
        .onConflict((oc) => oc.columns(['delivery_id', 'kind', 'status']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) return { notification: toNotification(inserted), created: true };
      const existing = await this.#db
        .selectFrom('notifications')
        .selectAll()
        .where('delivery_id', '=', n.deliveryId)
        .where('kind', '=', n.kind)
        .where('status', '=', n.status)
        .executeTakeFirst();
      if (existing === undefined) throw heraldError('GW_ERR_LEDGER_CONFLICT', `notification ${n.deliveryId} ${n.kind}/${n.status} vanished`);
      return { notification: toNotification(existing), created: false };
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async getNotification(id: string): Promise<StoredNotification | undefined> {
    return guarded(`getNotification ${id}`, async () => {
      const row = await this.#db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toNotification(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async listNotifications(deliveryId: string): Promise<readonly StoredNotification[]> {
    return guarded(`listNotifications ${deliveryId}`, async () => {
      const rows = await this.#db.selectFrom('notifications').selectAll().where('delivery_id', '=', deliveryId).orderBy('id').execute();
      return rows.map(toNotification);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async firstPendingBefore(n: Pick<StoredNotification, 'id' | 'deliveryId'>): Promise<StoredNotification | undefined> {
    return guarded(`firstPendingBefore ${n.id}`, async () => {
      // Ids are UUIDv7, made in the order the notifications became due.
      const row = await this.#db
        .selectFrom('notifications')
        .selectAll()
        .where('delivery_id', '=', n.deliveryId)
        .where('state', '=', 'pending')
        .where('id', '<', n.id)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : toNotification(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async recordAttempt(id: string, error?: string): Promise<void> {
    await guarded(`recordAttempt ${id}`, async () => {
      await this.#db
        .updateTable('notifications')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: clip(error) }))
        .where('id', '=', id)
        .execute();
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async finish(id: string, state: 'sent' | 'failed', at: Date, error?: string): Promise<boolean> {
    return guarded(`finish ${id}`, async () => {
      const result = await this.#db
        .updateTable('notifications')
        .set({ state, sent_at: state === 'sent' ? at : null, ...(error === undefined ? {} : { last_error: clip(error) }) })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async listPending(before: Date, limit: number): Promise<readonly StoredNotification[]> {
    return guarded('listPending', async () => {
      const rows = await this.#db
        .selectFrom('notifications')
        .selectAll()
        .where('state', '=', 'pending')
        .where('created_at', '<', before)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toNotification);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async listUnchecked(states: readonly string[], before: Date, limit: number, tokensBeforeFinal?: readonly string[]): Promise<readonly UncheckedDelivery[]> {
    if (states.length === 0) return [];
    return guarded('listUnchecked', async () => {
      let query = this.#db
        .selectFrom('deliveries as d')
        .innerJoin('messages as m', 'm.id', 'd.message_id')
        .leftJoin('disposition_checks as c', 'c.delivery_id', 'd.id')
        .select(['d.id as deliveryId', 'd.message_id as messageId'])
        .where('m.direction', '=', 'mt')
        .where(sql<boolean>`cardinality(m.imdn_requests) > 0`)
        .where('m.imdn_message_id', 'is not', null)
        .where('d.state', 'in', [...states])
        .where('d.updated_at', '<', before)
        .where((eb) => eb.or([eb('c.version', 'is', null), eb('c.version', '<', eb.ref('d.version'))]));
      if (tokensBeforeFinal !== undefined) {
        query = query.where((eb) => eb.or([eb('d.state', 'in', [...FINAL_STATES]), sql<boolean>`m.imdn_requests && ${[...tokensBeforeFinal]}::text[]`]));
      }
      return query.orderBy('d.updated_at').limit(limit).execute();
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async markChecked(deliveryId: string, version: number): Promise<void> {
    await guarded(`markChecked ${deliveryId}`, async () => {
      await this.#db
        .insertInto('disposition_checks')
        .values({ delivery_id: deliveryId, version })
        .onConflict((oc) =>
          oc.column('delivery_id').doUpdateSet({ version: sql<number>`greatest(disposition_checks.version, excluded.version)`, checked_at: sql<Date>`now()` }),
        )
        .execute();
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async purgeFinished(before: Date): Promise<number> {
    return guarded('purgeFinished', async () => {
      const result = await this.#db
        .deleteFrom('notifications')
        .where('state', 'in', ['sent', 'failed'])
        .where('created_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async findMoMessageByImdnId(imdnMessageId: string): Promise<StoredMessage | undefined> {
    return guarded(`findMoMessageByImdnId ${imdnMessageId}`, async () => {
      const byImdn = await this.#db
        .selectFrom('messages')
        .selectAll()
        .where('direction', '=', 'mo')
        .where('imdn_message_id', '=', imdnMessageId)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (byImdn !== undefined) return toMessage(byImdn);
      // Herald's own stand-in Message-ID for MO messages that had none is the message id.
      const byId = await this.#db
        .selectFrom('messages')
        .selectAll()
        .where('direction', '=', 'mo')
        .where('id', '=', imdnMessageId)
        .where('imdn_message_id', 'is', null)
        .executeTakeFirst();
      return byId === undefined ? undefined : toMessage(byId);
    });
  }
}
