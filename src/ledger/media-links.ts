/**
 * Media links (migration 0006) over Kysely, for PostgreSQL and PGlite. The row type lives
 * here rather than in schema.ts: only this file reads the table.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { MediaLink, MediaLinkStore } from '../ports/media-link-store.port.js';
import type { StoredMessage } from '../domain/message.js';
import { guarded } from './db-errors.js';
import { toMessage } from './rows.js';
import type { LedgerDatabase } from './schema.js';

interface MediaLinksTable {
  token: string;
  message_id: string;
  expires_at: Date;
  created_at: ColumnType<Date, Date | undefined, Date>;
}

type Db = Kysely<LedgerDatabase & { media_links: MediaLinksTable }>;

function toLink(row: { token: string; message_id: string; expires_at: Date }): MediaLink {
  return { token: row.token, messageId: row.message_id, expiresAt: row.expires_at };
}

/** {@link MediaLinkStore} over the ledger's connection. */
export class KyselyMediaLinkStore implements MediaLinkStore {
  readonly #db: Db;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db as unknown as Db;
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  linkFor(messageId: string, token: string, expiresAt: Date): Promise<MediaLink> {
    return guarded(`linkFor ${messageId}`, async () => {
      // Two jobs of one message may race: the loser's insert does nothing and it reads the winner's.
      await this.#db
        .insertInto('media_links')
        .values({ token, message_id: messageId, expires_at: expiresAt })
        .onConflict((oc) => oc.column('message_id').doNothing())
        .execute();
      const row = await this.#db.selectFrom('media_links').selectAll().where('message_id', '=', messageId).executeTakeFirstOrThrow();
      return toLink(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  resolve(token: string): Promise<{ readonly link: MediaLink; readonly message: StoredMessage } | undefined> {
    return guarded('resolve media link', async () => {
      const link = await this.#db.selectFrom('media_links').selectAll().where('token', '=', token).executeTakeFirst();
      if (link === undefined) return undefined;
      const message = await this.#db.selectFrom('messages').selectAll().where('id', '=', link.message_id).executeTakeFirst();
      return message === undefined ? undefined : { link: toLink(link), message: toMessage(message) };
    });
  }
}
