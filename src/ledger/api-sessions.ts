/** Browser sessions on the `api_sessions` table, keyed by the hash of the cookie's id. */
import { sql, type Kysely } from 'kysely';
import type { ActiveSession, ApiSession, ApiSessionStore, NewApiSession } from '../ports/api-session-store.port.js';
import { toApiSession, toApiToken } from './admin-rows.js';
import { guarded } from './db-errors.js';
import type { LedgerDatabase } from './schema.js';

/** {@link ApiSessionStore} over Kysely (PostgreSQL or PGlite). */
export class KyselyApiSessionStore implements ApiSessionStore {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND (unknown token), GW_ERR_DB_UNREACHABLE */
  async create(session: NewApiSession): Promise<ApiSession> {
    return guarded('api session create', async () => {
      // Logins are rare, so they are a fine moment to drop what has expired.
      await this.#db.deleteFrom('api_sessions').where('expires_at', '<', sql<Date>`now()`).execute();
      const row = await this.#db
        .insertInto('api_sessions')
        .values({ id_hash: session.idHash, token_id: session.tokenId, csrf_token: session.csrfToken, expires_at: session.expiresAt })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toApiSession(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async findActive(idHash: string, now: Date): Promise<ActiveSession | undefined> {
    return guarded('api session lookup', async () => {
      const session = await this.#db
        .selectFrom('api_sessions')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (session === undefined) return undefined;
      const token = await this.#db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', session.token_id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return token === undefined ? undefined : { session: toApiSession(session), token: toApiToken(token) };
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async remove(idHash: string): Promise<boolean> {
    return guarded('api session remove', async () => {
      const result = await this.#db.deleteFrom('api_sessions').where('id_hash', '=', idHash).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }
}
