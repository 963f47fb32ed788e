/** API tokens on the `api_tokens` table; only hashes are stored. */
import { sql, type Kysely } from 'kysely';
import type { ApiToken, ApiTokenStore, NewApiToken } from '../ports/api-token-store.port.js';
import { toApiToken } from './admin-rows.js';
import { guarded } from './db-errors.js';
import type { LedgerDatabase } from './schema.js';

/** {@link ApiTokenStore} over Kysely (PostgreSQL or PGlite). */
export class KyselyApiTokenStore implements ApiTokenStore {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  /** @throws GW_ERR_LEDGER_CONFLICT, GW_ERR_DB_UNREACHABLE */
  async create(token: NewApiToken): Promise<ApiToken> {
    return guarded(`api token create ${token.name}`, async () => {
      const row = await this.#db
        .insertInto('api_tokens')
        .values({ id: token.id, name: token.name, role: token.role, token_hash: token.tokenHash, created_by: token.createdBy })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toApiToken(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async findActiveByHash(tokenHash: string): Promise<ApiToken | undefined> {
    return guarded('api token lookup', async () => {
      const row = await this.#db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row === undefined ? undefined : toApiToken(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async touch(id: string): Promise<void> {
    await guarded(`api token touch ${id}`, async () => {
      await this.#db
        .updateTable('api_tokens')
        .set({ last_used_at: sql<Date>`now()` })
        .where('id', '=', id)
        // A dashboard polls every few seconds: one write a minute says as much.
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
        .execute();
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async list(): Promise<readonly ApiToken[]> {
    return guarded('api token list', async () => {
      const rows = await this.#db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(toApiToken);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async revoke(id: string): Promise<ApiToken | undefined> {
    return guarded(`api token revoke ${id}`, () =>
      this.#db.transaction().execute(async (trx) => {
        await trx
          .updateTable('api_tokens')
          .set({ revoked_at: sql<Date>`now()` })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        // Sessions are refused anyway once their token is revoked; deleting them keeps
        // the table from holding dead cookies until they expire.
        await trx.deleteFrom('api_sessions').where('token_id', '=', id).execute();
        const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : toApiToken(row);
      }),
    );
  }
}
