/**
 * All-or-nothing import of number directory entries (the CSV import of the admin API).
 * One transaction: the first entry the database refuses rolls back every other one.
 */
import { sql, type Kysely } from 'kysely';
import type { DirectoryEntry } from '../domain/message.js';
import { heraldError, isHeraldError } from '../errors.js';
import { guarded, toLedgerError } from './db-errors.js';
import type { LedgerDatabase } from './schema.js';

/**
 * Creates or replaces every entry.
 * @throws GW_ERR_LEDGER_CONFLICT with `meta.index` of the refused entry; GW_ERR_DB_UNREACHABLE
 */
export async function importDirectory(db: Kysely<LedgerDatabase>, entries: readonly DirectoryEntry[]): Promise<void> {
  await guarded(`directory import of ${entries.length}`, () =>
    db.transaction().execute(async (trx) => {
      for (const [index, entry] of entries.entries()) {
        const values = {
          msisdn: entry.msisdn ?? null,
          email: entry.email ?? null,
          display_name: entry.displayName ?? null,
          archive_enabled: entry.archiveEnabled,
        };
        try {
          await trx
            .insertInto('directory')
            .values({ im_uri: entry.imUri, ...values })
            .onConflict((oc) => oc.column('im_uri').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
            .execute();
        } catch (err) {
          // Say which entry, so the API can name the CSV line; the transaction is over.
          const mapped = toLedgerError(err, `directory import ${entry.imUri}`);
          if (isHeraldError(mapped, 'GW_ERR_LEDGER_CONFLICT')) {
            throw heraldError('GW_ERR_LEDGER_CONFLICT', mapped.detail, { cause: err, meta: { ...mapped.meta, index, imUri: entry.imUri } });
          }
          throw mapped;
        }
      }
    }),
  );
}
