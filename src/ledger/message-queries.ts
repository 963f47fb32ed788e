/**
 * The admin API's message search and detail. Lists are ordered by message id, newest
 * first: ids are UUIDv7, so id order is acceptance order and keyset paging on the
 * primary key stays cheap however deep the page.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { StoredDelivery } from '../domain/message.js';
import type { MessageDetail, MessageFilter, MessagePage, MessageQueries } from '../ports/message-queries.port.js';
import { guarded } from './db-errors.js';
import { KyselyMsrpSessionStore } from './msrp-sessions.js';
import { toCorrelation, toDelivery, toEvent, toMessage, toSegment } from './rows.js';
import type { LedgerDatabase } from './schema.js';

type MessagesScope = ExpressionBuilder<LedgerDatabase & { m: LedgerDatabase['messages'] }, 'm'>;

/** `%` and `_` in what the admin typed are literal, not wildcards. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Messages one of whose ids (or far-side ids of their deliveries) is exactly `q`. */
function matchesAnyId(eb: MessagesScope, q: string) {
  return eb.or([
    eb('m.id', '=', q),
    eb('m.imdn_message_id', '=', q),
    eb('m.sip_call_id', '=', q),
    eb('m.id', 'in', eb.selectFrom('deliveries').select('message_id').where('id', '=', q)),
    eb(
      'm.id',
      'in',
      eb
        .selectFrom('segments as s')
        .innerJoin('deliveries as sd', 'sd.id', 's.delivery_id')
        .select('sd.message_id')
        .where('s.smsc_message_id', '=', q),
    ),
    eb(
      'm.id',
      'in',
      eb
        .selectFrom('correlations as c')
        .innerJoin('deliveries as cd', 'cd.id', 'c.delivery_id')
        .select('cd.message_id')
        .where('c.key', '=', q),
    ),
  ]);
}

/** One delivery of the message matches every delivery-level filter given. */
function hasMatchingDelivery(eb: MessagesScope, filter: MessageFilter) {
  let deliveries = eb.selectFrom('deliveries as d').select(sql<number>`1`.as('one')).whereRef('d.message_id', '=', 'm.id');
  if (filter.state !== undefined) deliveries = deliveries.where('d.state', '=', filter.state);
  if (filter.channel !== undefined) deliveries = deliveries.where('d.channel', '=', filter.channel);
  if (filter.recipient !== undefined) {
    const pattern = containsPattern(filter.recipient);
    deliveries = deliveries.where((inner) =>
      inner.or([inner('d.target_uri', 'ilike', pattern), inner('d.original_recipient_uri', 'ilike', pattern)]),
    );
  }
  return eb.exists(deliveries);
}

/** {@link MessageQueries} over Kysely (PostgreSQL or PGlite). */
export class KyselyMessageQueries implements MessageQueries {
  readonly #db: Kysely<LedgerDatabase>;
  readonly #sessions: KyselyMsrpSessionStore;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
    this.#sessions = new KyselyMsrpSessionStore(db);
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async search(filter: MessageFilter): Promise<MessagePage> {
    return guarded('message search', async () => {
      let query = this.#db
        .selectFrom('messages as m')
        .selectAll('m')
        .orderBy('m.id', 'desc')
        // One more than asked tells whether another page exists without a count(*).
        .limit(filter.limit + 1);
      if (filter.beforeId !== undefined) query = query.where('m.id', '<', filter.beforeId);
      if (filter.direction !== undefined) query = query.where('m.direction', '=', filter.direction);
      if (filter.sender !== undefined) query = query.where('m.sender_uri', 'ilike', containsPattern(filter.sender));
      if (filter.from !== undefined) query = query.where('m.created_at', '>=', filter.from);
      if (filter.to !== undefined) query = query.where('m.created_at', '<', filter.to);
      const q = filter.q;
      if (q !== undefined) query = query.where((eb) => matchesAnyId(eb, q));
      const session = filter.session;
      if (session !== undefined) query = query.where('m.id', 'in', (eb) => eb.selectFrom('msrp_session_messages').select('message_id').where('session_id', '=', session));
      if (filter.state !== undefined || filter.channel !== undefined || filter.recipient !== undefined) {
        query = query.where((eb) => hasMatchingDelivery(eb, filter));
      }
      const rows = await query.execute();
      const page = rows.slice(0, filter.limit);
      const ids = page.map((row) => row.id);
      const [deliveries, sessions] = await Promise.all([this.#deliveriesOf(ids), this.#sessions.ofMessages(ids)]);
      return {
        items: page.map((row) => ({ message: toMessage(row), deliveries: deliveries.get(row.id) ?? [], session: sessions.get(row.id) })),
        nextBeforeId: rows.length > filter.limit ? page[page.length - 1]?.id : undefined,
      };
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async detail(messageId: string): Promise<MessageDetail | undefined> {
    return guarded(`message detail ${messageId}`, async () => {
      const message = await this.#db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirst();
      if (message === undefined) return undefined;
      const ofMessage = this.#db.selectFrom('deliveries').select('id').where('message_id', '=', messageId);
      const [deliveries, segments, correlations, events, sessions] = await Promise.all([
        this.#db.selectFrom('deliveries').selectAll().where('message_id', '=', messageId).orderBy('created_at').orderBy('id').execute(),
        this.#db.selectFrom('segments').selectAll().where('delivery_id', 'in', ofMessage).orderBy('delivery_id').orderBy('seq').orderBy('id').execute(),
        this.#db.selectFrom('correlations').selectAll().where('delivery_id', 'in', ofMessage).orderBy('created_at').orderBy('kind').execute(),
        this.#db.selectFrom('events').selectAll().where('message_id', '=', messageId).orderBy('id').execute(),
        this.#sessions.ofMessages([messageId]),
      ]);
      return {
        message: toMessage(message),
        deliveries: deliveries.map(toDelivery),
        segments: segments.map(toSegment),
        correlations: correlations.map(toCorrelation),
        events: events.map(toEvent),
        session: sessions.get(messageId),
      };
    });
  }

  async #deliveriesOf(messageIds: readonly string[]): Promise<Map<string, StoredDelivery[]>> {
    const byMessage = new Map<string, StoredDelivery[]>();
    if (messageIds.length === 0) return byMessage;
    const rows = await this.#db
      .selectFrom('deliveries')
      .selectAll()
      .where('message_id', 'in', messageIds)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const row of rows) {
      const list = byMessage.get(row.message_id) ?? [];
      list.push(toDelivery(row));
      byMessage.set(row.message_id, list);
    }
    return byMessage;
  }
}
