/**
 * The email channel's tables (migration 0005) over Kysely, for PostgreSQL and PGlite.
 * Their row types live here rather than in schema.ts: only this file reads them.
 */
import { sql, type ColumnType, type Kysely, type Transaction } from 'kysely';
import type { EmailStore, PrepareMailRequest, PreparedMail } from '../ports/email-store.port.js';
import type { MailboxCursor } from '../ports/mailbox-watcher.port.js';
import { guarded } from './db-errors.js';
import type { LedgerDatabase } from './schema.js';

type DefaultedTimestamp = ColumnType<Date, Date | undefined, Date>;

interface EmailOutgoingTable {
  delivery_id: string;
  rfc_message_id: string;
  reply_token: string;
  in_reply_to: string | null;
  refs: ColumnType<unknown, string, string>;
  created_at: DefaultedTimestamp;
}

interface EmailThreadsTable {
  sender_uri: string;
  recipient: string;
  root_message_id: string;
  last_message_id: string;
  updated_at: DefaultedTimestamp;
}

interface MailboxCursorsTable {
  watcher: string;
  uid_validity: string;
  // pg returns int8 as a string, PGlite as a number.
  last_uid: ColumnType<string | number, number, number>;
  updated_at: DefaultedTimestamp;
}

type Tables = LedgerDatabase & { email_outgoing: EmailOutgoingTable; email_threads: EmailThreadsTable; mailbox_cursors: MailboxCursorsTable };
type Db = Kysely<Tables>;

function refsOf(value: unknown): string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
}

async function existing(trx: Transaction<Tables>, deliveryId: string): Promise<PreparedMail | undefined> {
  const row = await trx.selectFrom('email_outgoing').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    deliveryId: row.delivery_id,
    messageId: row.rfc_message_id,
    replyToken: row.reply_token,
    inReplyTo: row.in_reply_to ?? undefined,
    references: refsOf(row.refs),
  };
}

/** {@link EmailStore} over the ledger's connection. */
export class KyselyEmailStore implements EmailStore {
  readonly #db: Db;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db as unknown as Db;
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  prepareMail(request: PrepareMailRequest): Promise<PreparedMail> {
    return guarded(`prepareMail ${request.deliveryId}`, () =>
      this.#db.transaction().execute(async (trx) => {
        const found = await existing(trx, request.deliveryId);
        if (found !== undefined) return found;
        const key = { sender: request.senderUri, recipient: request.recipient.toLowerCase() };
        // The first mail of a conversation becomes its root; a concurrent first mail
        // loses the insert and threads after the winner instead.
        await trx
          .insertInto('email_threads')
          .values({ sender_uri: key.sender, recipient: key.recipient, root_message_id: request.messageId, last_message_id: request.messageId })
          .onConflict((oc) => oc.doNothing())
          .execute();
        const thread = await trx
          .selectFrom('email_threads')
          .selectAll()
          .where('sender_uri', '=', key.sender)
          .where('recipient', '=', key.recipient)
          .forUpdate()
          .executeTakeFirstOrThrow();
        const first = thread.last_message_id === request.messageId;
        const inReplyTo = first ? undefined : thread.last_message_id;
        const references = first ? [] : [...new Set([thread.root_message_id, thread.last_message_id])];
        await trx
          .insertInto('email_outgoing')
          .values({
            delivery_id: request.deliveryId,
            rfc_message_id: request.messageId,
            reply_token: request.replyToken,
            in_reply_to: inReplyTo ?? null,
            refs: JSON.stringify(references),
          })
          .execute();
        if (!first) {
          await trx
            .updateTable('email_threads')
            .set({ last_message_id: request.messageId, updated_at: sql<Date>`now()` })
            .where('sender_uri', '=', key.sender)
            .where('recipient', '=', key.recipient)
            .execute();
        }
        return { deliveryId: request.deliveryId, messageId: request.messageId, replyToken: request.replyToken, inReplyTo, references };
      }),
    );
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  getCursor(watcher: string): Promise<MailboxCursor | undefined> {
    return guarded(`getCursor ${watcher}`, async () => {
      const row = await this.#db.selectFrom('mailbox_cursors').selectAll().where('watcher', '=', watcher).executeTakeFirst();
      return row === undefined ? undefined : { uidValidity: row.uid_validity, lastUid: Number(row.last_uid) };
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  saveCursor(watcher: string, cursor: MailboxCursor): Promise<void> {
    return guarded(`saveCursor ${watcher}`, async () => {
      await this.#db
        .insertInto('mailbox_cursors')
        .values({ watcher, uid_validity: cursor.uidValidity, last_uid: cursor.lastUid })
        .onConflict((oc) =>
          oc.column('watcher').doUpdateSet({
            // Same UIDVALIDITY: only forwards. A new UIDVALIDITY starts the count again.
            last_uid: sql<number>`case when mailbox_cursors.uid_validity = excluded.uid_validity
              then greatest(mailbox_cursors.last_uid, excluded.last_uid) else excluded.last_uid end`,
            uid_validity: sql<string>`excluded.uid_validity`,
            updated_at: sql<Date>`now()`,
          }),
        )
        .execute();
    });
  }
}
