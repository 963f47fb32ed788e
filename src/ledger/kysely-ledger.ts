/**
 * The ledger on Kysely: one implementation, one set of queries, for PostgreSQL and PGlite.
 *
 * Concurrency: every change of a delivery's state runs in one transaction that locks the
 * row (SELECT … FOR UPDATE), checks the state machine against what it read, and updates
 * with `WHERE version = <read version>`. A second concurrent transition therefore waits
 * for the first, then sees the new state and is refused if that move is now illegal;
 * a caller holding a stale `expectedVersion` gets GW_ERR_LEDGER_CONFLICT. On PGlite the
 * driver's mutex serialises transactions, which gives the same outcomes.
 *
 * Inside a transaction only `trx` is used: on PGlite, touching the outer instance there
 * would wait for the connection the transaction itself holds.
 */
import { Migrator, sql, type Kysely, type Transaction } from 'kysely';
import { canTransition, isDeliveryState, type DeliveryState } from '../domain/delivery-state.js';
import type { DeliveryEvent, NewDelivery, NewMessage, StoredDelivery, StoredMessage } from '../domain/message.js';
import { heraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HeldReceiptStore } from '../ports/held-receipts.port.js';
import type { MoPartStore } from '../ports/mo-parts.port.js';
import type { AdminStore } from '../ports/admin-store.port.js';
import type { DispositionStore } from '../ports/disposition-store.port.js';
import type { EmailStore } from '../ports/email-store.port.js';
import type { ArchiveStore } from '../ports/archive-store.port.js';
import type { GroupStore } from '../ports/group-store.port.js';
import type { MediaLinkStore } from '../ports/media-link-store.port.js';
import type { MsrpSessionStore } from '../ports/msrp-session-store.port.js';
import type {
  AwaitingJobPage,
  CorrelationStore,
  DeliveryWithMessage,
  Ledger,
  LedgerBackend,
  NewEvent,
  NumberDirectory,
  RecordMessageResult,
  TransitionHistory,
  TransitionRequest,
  TransitionsWithHistory,
} from '../ports/ledger.port.js';
import { KyselyAdminStore } from './admin-store.js';
import type { LedgerConnection } from './connect.js';
import { KyselyCorrelationStore } from './correlations.js';
import { KyselyDispositionStore } from './dispositions.js';
import { KyselyEmailStore } from './email-store.js';
import { KyselyArchiveStore } from './archive-store.js';
import { KyselyGroupStore } from './group-store.js';
import { KyselyMediaLinkStore } from './media-links.js';
import { KyselyMsrpSessionStore } from './msrp-sessions.js';
import { guarded, isUnreachable, toLedgerError } from './db-errors.js';
import { KyselyNumberDirectory } from './directory.js';
import { KyselyHeldReceiptStore } from './held-receipts.js';
import { KyselyMoPartStore } from './mo-parts.js';
import { migrationProvider } from './migrations/index.js';
import { toPrefixedMessage } from './joined-reads.js';
import { LedgerWriter, type FlushObserver } from './writer.js';
import { RecordedFacts } from './recorded-facts.js';
import type { EventRow } from './schema.js';
import { jsonText, toDelivery, toEvent, toEventFromJson, toMessage } from './rows.js';
import type { DeliveryRow, LedgerDatabase, MessageRow, NewDeliveryRow } from './schema.js';

/** Kysely's bookkeeping tables, prefixed so they read as the ledger's in a shared database. */
const MIGRATION_TABLE = 'ledger_migration';
const MIGRATION_LOCK_TABLE = 'ledger_migration_lock';

/** Every column but created_at (the database's now()), so it also reads back as the stored row. */
function messageRow(message: NewMessage): Omit<MessageRow, 'created_at'> {
  return {
    id: message.id,
    direction: message.direction,
    source_channel: message.sourceChannel,
    sender_uri: message.senderUri,
    sender_display_name: message.senderDisplayName ?? null,
    imdn_message_id: message.imdnMessageId ?? null,
    imdn_requests: [...message.imdnRequests],
    imdn_route: [...message.imdnRoute],
    subject: message.subject ?? null,
    content_type: message.contentType,
    body: message.body,
    sent_at: message.sentAt,
    dedupe_key: message.dedupeKey,
    sip_call_id: message.sipCallId ?? null,
  };
}

function deliveryRow(messageId: string, delivery: NewDelivery): NewDeliveryRow {
  return {
    id: delivery.id,
    message_id: messageId,
    channel: delivery.channel,
    original_recipient_uri: delivery.originalRecipientUri,
    target_uri: delivery.targetUri,
    copy_control: delivery.copyControl ?? null,
    state: 'accepted',
    version: 1,
  };
}

/** Facts of a transition the timeline should show besides the cause. */
function transitionDetail(request: TransitionRequest): Record<string, unknown> {
  const detail: Record<string, unknown> = { ...request.detail };
  if (request.errorCode !== undefined) detail.errorCode = request.errorCode;
  if (request.errorText !== undefined) detail.errorText = request.errorText;
  if (request.farSideAt !== undefined) detail.farSideAt = request.farSideAt.toISOString();
  return detail;
}

/** What the ledger reports about itself, e.g. to metrics. */
export interface LedgerObserver {
  /** One group commit of the hot-path writer: its statement's name and the ops it carried. */
  readonly onWriterFlush?: FlushObserver | undefined;
}

/** {@link Ledger} over a Kysely instance of either backend. Build it with createLedger(). */
export class KyselyLedger implements Ledger, TransitionsWithHistory {
  readonly backend: LedgerBackend;
  readonly directory: NumberDirectory;
  readonly correlations: CorrelationStore;
  readonly heldReceipts: HeldReceiptStore;
  readonly moParts: MoPartStore;
  /** The admin API's queries and records on the same connection (not part of the Ledger port). */
  readonly admin: AdminStore;
  /** The dispositions module's notifications and checks (not part of the Ledger port). */
  readonly dispositions: DispositionStore;
  /** The email channel's prepared mail, threads and IMAP cursors (not part of the Ledger port). */
  readonly email: EmailStore;
  /** The IMAP archive's work list, claims and appended items (not part of the Ledger port). */
  readonly archive: ArchiveStore;
  /** Media link tokens (media.linkMode; not part of the Ledger port). */
  readonly media: MediaLinkStore;
  /** Group lookups for reply-to-all (not part of the Ledger port). */
  readonly groups: GroupStore;
  /** MSRP sessions and the messages that came in them (session mode; not part of the Ledger port). */
  readonly msrpSessions: MsrpSessionStore;
  readonly #db: Kysely<LedgerDatabase>;
  readonly #writer: LedgerWriter;
  readonly #recorded = new RecordedFacts();
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  constructor(connection: LedgerConnection, log: Logger, observe?: LedgerObserver) {
    this.#db = connection.db;
    this.#writer = new LedgerWriter(connection.run, { onFlush: observe?.onWriterFlush, acquire: connection.acquire });
    this.backend = connection.backend;
    this.#log = log.child({ component: 'ledger', backend: connection.backend });
    this.directory = new KyselyNumberDirectory(connection.db);
    this.correlations = new KyselyCorrelationStore(connection.db, this.#writer);
    this.heldReceipts = new KyselyHeldReceiptStore(connection.db, this.#writer);
    this.moParts = new KyselyMoPartStore(connection.db);
    this.admin = new KyselyAdminStore(connection.db);
    this.dispositions = new KyselyDispositionStore(connection.db, this.#writer);
    this.media = new KyselyMediaLinkStore(connection.db);
    this.groups = new KyselyGroupStore(connection.db);
    this.msrpSessions = new KyselyMsrpSessionStore(connection.db);
    this.email = new KyselyEmailStore(connection.db);
    this.archive = new KyselyArchiveStore(connection.db);
  }

  /** @throws GW_ERR_DB_UNREACHABLE, GW_ERR_GATEWAY_INTERNAL naming the migration that failed */
  async migrate(): Promise<readonly string[]> {
    const migrator = new Migrator({
      db: this.#db,
      provider: migrationProvider,
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
    });
    const { error, results = [] } = await migrator.migrateToLatest();
    const failed = results.find((result) => result.status === 'Error');
    if (error !== undefined) {
      const err = toLedgerError(error, `migrate${failed ? ` ${failed.migrationName}` : ''}`);
      this.#log.error({ err, migration: failed?.migrationName }, 'ledger migration failed');
      throw err;
    }
    const applied = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
    for (const migration of applied) this.#log.info({ migration }, 'ledger migration applied');
    return applied;
  }

  /** @throws GW_ERR_DB_UNREACHABLE, GW_ERR_DB_BUSY (no pooled connection free in time) */
  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.#db);
    } catch (err) {
      // Any failure of `select 1` means the database is not usable, whatever its code.
      const mapped = toLedgerError(err, 'ping');
      throw isUnreachable(mapped)
        ? mapped
        : heraldError('GW_ERR_DB_UNREACHABLE', mapped.detail, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.#closing ??= this.#writer
      .idle()
      .then(() => this.#db.destroy())
      .then(() => this.#log.info({}, 'ledger closed'));
    return this.#closing;
  }

  /** @throws GW_ERR_LEDGER_CONFLICT, GW_ERR_DB_UNREACHABLE */
  async recordMessage(message: NewMessage, deliveries: readonly NewDelivery[]): Promise<RecordMessageResult> {
    // The common case (a new message with deliveries) in one statement; a duplicate or a
    // message without deliveries takes the transaction below, which says what exists.
    if (deliveries.length > 0) {
      const row = messageRow(message);
      const fast = await guarded(`recordMessage ${message.id}`, () => this.#writer.recordMessage({ message: row, deliveries }));
      if (fast !== undefined) {
        const byId = new Map(fast.rows.map((r) => [r.id, r]));
        const ordered = deliveries.map((delivery) => byId.get(delivery.id)).filter((r): r is DeliveryRow => r !== undefined);
        const stored = toMessage({ ...row, created_at: fast.createdAt });
        const batchJobMember = new Set(deliveries.filter((d) => d.inBatchJob === true).map((d) => d.id));
        const recorded = ordered.map(toDelivery);
        for (const delivery of recorded) {
          // Only what a job of this process will run: see RecordedFacts.
          if (delivery.channel === 'sms' && batchJobMember.has(delivery.id)) this.#recorded.remember({ delivery, message: stored, senderMsisdn: fast.senderMsisdn });
        }
        this.#log.debug({ msgId: message.id, deliveries: ordered.length, duplicate: false }, 'message recorded');
        return { message: stored, deliveries: recorded, duplicate: false, batch: fast.batch };
      }
    }
    const result = await guarded(`recordMessage ${message.id}`, () =>
      this.#db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('messages')
          .values(messageRow(message))
          .onConflict((oc) => oc.column('dedupe_key').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (inserted === undefined) {
          // A re-sent copy: whatever the first copy recorded stands.
          const existing = await trx
            .selectFrom('messages')
            .selectAll()
            .where('dedupe_key', '=', message.dedupeKey)
            .executeTakeFirst();
          if (existing === undefined) throw heraldError('GW_ERR_LEDGER_CONFLICT', `dedupe key ${message.dedupeKey} vanished`);
          return { message: toMessage(existing), deliveries: await deliveriesOf(trx, existing.id), duplicate: true };
        }
        if (deliveries.length === 0) return { message: toMessage(inserted), deliveries: [], duplicate: false };
        const rows = await trx
          .insertInto('deliveries')
          .values(deliveries.map((delivery) => deliveryRow(message.id, delivery)))
          .returningAll()
          .execute();
        await trx
          .insertInto('events')
          .values(
            rows.map((row) => ({
              message_id: message.id,
              delivery_id: row.id,
              at: row.created_at,
              type: 'state',
              from_state: null,
              to_state: 'accepted',
              cause: 'ingress',
              detail: jsonText({}),
            })),
          )
          .execute();
        // RETURNING order is not promised: give the deliveries back in the caller's order.
        const byId = new Map(rows.map((row) => [row.id, row]));
        const ordered = deliveries.map((delivery) => byId.get(delivery.id)).filter((row): row is DeliveryRow => row !== undefined);
        return { message: toMessage(inserted), deliveries: ordered.map(toDelivery), duplicate: false };
      }),
    );
    this.#log.debug(
      { msgId: result.message.id, deliveries: result.deliveries.length, duplicate: result.duplicate },
      result.duplicate ? 'message already recorded' : 'message recorded',
    );
    return result;
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_STATE_ILLEGAL_TRANSITION, GW_ERR_LEDGER_CONFLICT, GW_ERR_DB_UNREACHABLE */
  async transition(request: TransitionRequest): Promise<StoredDelivery> {
    return (await this.#transition(request, false)).delivery;
  }

  /** @throws as {@link transition} */
  async transitionWithHistory(request: TransitionRequest): Promise<{ readonly delivery: StoredDelivery; readonly history?: TransitionHistory | undefined }> {
    return this.#transition(request, true);
  }

  async #transition(request: TransitionRequest, withHistory: boolean): Promise<{ readonly delivery: StoredDelivery; readonly history?: TransitionHistory | undefined }> {
    const { deliveryId, to, expectedVersion } = request;
    const outcome = await guarded(`transition ${deliveryId}`, () =>
      this.#writer.transition({
        deliveryId,
        to,
        expectedVersion,
        errorCode: request.errorCode,
        errorText: request.errorText,
        farSideAt: request.farSideAt,
        at: request.at,
        cause: request.cause,
        detail: jsonText(transitionDetail(request)),
        withHistory,
      }),
    );
    if (outcome.kind === 'missing') throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `delivery ${deliveryId}`, { meta: { deliveryId } });
    if (outcome.kind === 'refused') throw refusal(deliveryId, to, expectedVersion, outcome);
    const { written } = outcome;
    const history = written.history === undefined ? undefined : { message: toPrefixedMessage(written.history), events: (written.history.history ?? []).map(toEventFromJson) };
    const from = written.from;
    const delivery = toDelivery(written.row);
    this.#log.debug(
      { msgId: delivery.messageId, deliveryId, from, to, cause: request.cause, version: delivery.version },
      'delivery state changed',
    );
    return { delivery, history };
  }

  /**
   * The timeline has no foreign keys (migration 0013): the message, and the delivery when
   * one is named, are checked here, in the insert itself.
   * @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE
   */
  async appendEvent(event: NewEvent): Promise<DeliveryEvent> {
    return guarded(`appendEvent ${event.messageId}`, async () => {
      const deliveryId = event.deliveryId ?? null;
      const result = await sql<EventRow>`
        insert into events (message_id, delivery_id, at, type, cause, detail)
        select ${event.messageId}, ${deliveryId}::text, coalesce(${event.at ?? null}::timestamptz, now()), ${event.type}, ${event.cause}, ${jsonText(event.detail)}::jsonb
        where exists (select 1 from messages where id = ${event.messageId})
          and (${deliveryId}::text is null or exists (select 1 from deliveries where id = ${deliveryId}::text))
        returning *`.execute(this.#db);
      const row = result.rows[0];
      if (row === undefined) {
        throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `event for message ${event.messageId}${deliveryId === null ? '' : ` delivery ${deliveryId}`}`);
      }
      return toEvent(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async getMessage(id: string): Promise<StoredMessage | undefined> {
    return guarded(`getMessage ${id}`, async () => {
      const row = await this.#db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toMessage(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async getDelivery(id: string): Promise<StoredDelivery | undefined> {
    return guarded(`getDelivery ${id}`, async () => {
      const row = await this.#db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toDelivery(row);
    });
  }

  takeRecorded(deliveryId: string): DeliveryWithMessage | undefined {
    return this.#recorded.take(deliveryId);
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async getDeliveryWithMessage(id: string): Promise<DeliveryWithMessage | undefined> {
    return guarded(`getDeliveryWithMessage ${id}`, () => this.#writer.deliveryWithMessage(id));
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async listDeliveries(messageId: string): Promise<readonly StoredDelivery[]> {
    return guarded(`listDeliveries ${messageId}`, () => deliveriesOf(this.#db, messageId));
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async listEvents(messageId: string): Promise<readonly DeliveryEvent[]> {
    return guarded(`listEvents ${messageId}`, async () => {
      const rows = await this.#db.selectFrom('events').selectAll().where('message_id', '=', messageId).orderBy('id').execute();
      return rows.map(toEvent);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async listAwaitingJob(state: 'accepted' | 'queued', before: Date, limit: number, after?: string): Promise<AwaitingJobPage> {
    return guarded('listAwaitingJob', async () => {
      // Keyset on (updated_at, id), a range of the (state, updated_at) index, so a page
      // costs the same however deep the backlog. The cursor carries updated_at as
      // PostgreSQL prints it: a JS Date would drop the microseconds, and the deliveries of
      // one message share one updated_at.
      let query = this.#db
        .selectFrom('deliveries')
        .selectAll()
        .select(sql<string>`updated_at::text`.as('cursor_at'))
        .where('state', '=', state)
        .where('updated_at', '<', before);
      if (after !== undefined) {
        const cut = after.lastIndexOf('|');
        query = query.where(sql<boolean>`(updated_at, id) > (${after.slice(0, cut)}::timestamptz, ${after.slice(cut + 1)})`);
      }
      const rows = await query.orderBy('updated_at').orderBy('id').limit(limit).execute();
      const last = rows.at(-1);
      return {
        deliveries: rows.map(toDelivery),
        next: last === undefined || rows.length < limit ? undefined : `${last.cursor_at}|${last.id}`,
      };
    });
  }
}

/** Deliveries of a message; recorded together, so creation time ties and id decides. */
async function deliveriesOf(db: Kysely<LedgerDatabase> | Transaction<LedgerDatabase>, messageId: string): Promise<StoredDelivery[]> {
  const rows = await db
    .selectFrom('deliveries')
    .selectAll()
    .where('message_id', '=', messageId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toDelivery);
}

/**
 * Why a transition the writer refused did not happen, from the row as the statement found
 * it (locked): a stale expected version, else a move the state machine does not allow. A
 * row that allows the move at the version asked for cannot be refused by the statement;
 * should it ever be, the caller is told to read again rather than given a wrong reason.
 */
function refusal(deliveryId: string, to: DeliveryState, expectedVersion: number | undefined, found: { readonly state: string; readonly version: number }): Error {
  const meta = { deliveryId, expectedVersion, version: found.version, state: found.state };
  if (expectedVersion !== undefined && found.version !== expectedVersion) {
    return heraldError('GW_ERR_LEDGER_CONFLICT', `delivery ${deliveryId} is at version ${found.version}, not ${expectedVersion}`, { meta });
  }
  if (isDeliveryState(found.state) && !canTransition(found.state, to)) {
    // The row's state and version travel with it: a caller racing others moves on from them without reading again.
    return heraldError('GW_ERR_STATE_ILLEGAL_TRANSITION', `${found.state} → ${to}`, { meta: { ...meta, from: found.state, to } });
  }
  return heraldError('GW_ERR_LEDGER_CONFLICT', `delivery ${deliveryId} changed underneath`, { meta });
}
