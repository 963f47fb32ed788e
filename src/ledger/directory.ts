/**
 * The number directory (IM user ⇄ MSISDN ⇄ email) on the ledger database. Uniqueness of
 * MSISDN and email is the database's job (constraints), so two admins racing to give one
 * number to two users cannot both succeed.
 */
import { sql, type Kysely } from 'kysely';
import type { DirectoryEntry } from '../domain/message.js';
import type { NumberDirectory } from '../ports/ledger.port.js';
import { guarded } from './db-errors.js';
import { toDirectoryEntry } from './rows.js';
import type { LedgerDatabase } from './schema.js';

/** {@link NumberDirectory} over the `directory` table. */
export class KyselyNumberDirectory implements NumberDirectory {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  /** @throws GW_ERR_LEDGER_CONFLICT (MSISDN or email taken by another user), GW_ERR_DB_UNREACHABLE */
  async upsert(entry: DirectoryEntry): Promise<DirectoryEntry> {
    return guarded(`directory upsert ${entry.imUri}`, async () => {
      const values = {
        msisdn: entry.msisdn ?? null,
        email: entry.email ?? null,
        display_name: entry.displayName ?? null,
        archive_enabled: entry.archiveEnabled,
      };
      const row = await this.#db
        .insertInto('directory')
        .values({ im_uri: entry.imUri, ...values })
        .onConflict((oc) => oc.column('im_uri').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDirectoryEntry(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async remove(imUri: string): Promise<boolean> {
    return guarded(`directory remove ${imUri}`, async () => {
      const result = await this.#db.deleteFrom('directory').where('im_uri', '=', imUri).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async byImUri(imUri: string): Promise<DirectoryEntry | undefined> {
    return guarded(`directory byImUri ${imUri}`, async () => {
      const row = await this.#db.selectFrom('directory').selectAll().where('im_uri', '=', imUri).executeTakeFirst();
      return row === undefined ? undefined : toDirectoryEntry(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async byMsisdn(msisdn: string): Promise<DirectoryEntry | undefined> {
    return guarded(`directory byMsisdn ${msisdn}`, async () => {
      const row = await this.#db.selectFrom('directory').selectAll().where('msisdn', '=', msisdn).executeTakeFirst();
      return row === undefined ? undefined : toDirectoryEntry(row);
    });
  }

  /** Case-insensitive, matching the unique index on lower(email). @throws GW_ERR_DB_UNREACHABLE */
  async byEmail(email: string): Promise<DirectoryEntry | undefined> {
    return guarded(`directory byEmail ${email}`, async () => {
      const row = await this.#db
        .selectFrom('directory')
        .selectAll()
        // lower() on both sides in SQL, so the comparison is the index's, not JavaScript's.
        .where((eb) => eb(eb.fn('lower', ['email']), '=', eb.fn('lower', [eb.val(email)])))
        .executeTakeFirst();
      return row === undefined ? undefined : toDirectoryEntry(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async list(limit: number, afterImUri?: string): Promise<readonly DirectoryEntry[]> {
    return guarded('directory list', async () => {
      let query = this.#db.selectFrom('directory').selectAll().orderBy('im_uri').limit(limit);
      if (afterImUri !== undefined) query = query.where('im_uri', '>', afterImUri);
      const rows = await query.execute();
      return rows.map(toDirectoryEntry);
    });
  }
}
