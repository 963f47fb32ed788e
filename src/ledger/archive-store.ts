/**
 * The archive's tables (migrations 0007, 0021) over Kysely, for PostgreSQL and PGlite. Their row
 * types live here rather than in schema.ts: only this file reads them.
 */
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { ArchiveClaim, ArchivedItem, ArchiveLag, ArchiveStore } from '../ports/archive-store.port.js';
import { guarded } from './db-errors.js';
import type { LedgerDatabase } from './schema.js';

interface ArchiveDueTable {
  message_id: string;
  // pg returns int8 as a string, PGlite as a number.
  generation: ColumnType<string | number, never, string>;
  due_since: ColumnType<Date, Date | undefined, Date>;
  claimed_by: string | null;
  claimed_until: Date | null;
}

interface ArchiveItemsTable {
  item_key: string;
  message_id: string;
  mailbox: string;
  rfc_message_id: string;
  uid_validity: string | null;
  // pg returns int8 as a string, PGlite as a number.
  uid: ColumnType<string | number | null, number | null, number | null>;
  archived_at: ColumnType<Date, Date | undefined, Date>;
}

interface ArchiveRootsTable {
  item_key: string;
  message_id: string;
  claimed_at: ColumnType<Date, Date | undefined, Date>;
}

type Tables = LedgerDatabase & { archive_due: ArchiveDueTable; archive_items: ArchiveItemsTable; archive_roots: ArchiveRootsTable };
type Db = Kysely<Tables>;

/** {@link ArchiveStore} over the ledger's connection. */
export class KyselyArchiveStore implements ArchiveStore {
  readonly #db: Db;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db as unknown as Db;
  }

  /** @throws GW_ERR_DB_UNREACHABLE, GW_ERR_LEDGER_NOT_FOUND when a message does not exist */
  markDue(messageIds: readonly string[]): Promise<readonly number[]> {
    return guarded('archive markDue', async () => {
      const generations: number[] = [];
      for (const id of messageIds) {
        const row = await this.#db
          .insertInto('archive_due')
          .values({ message_id: id })
          // due_since stays: the lag is measured from the first unarchived change. The
          // generation comes from a sequence, never repeating for a message (0008).
          .onConflict((oc) => oc.column('message_id').doUpdateSet({ generation: sql<string>`nextval('archive_generation_seq')` }))
          .returning('generation')
          .executeTakeFirstOrThrow();
        generations.push(Number(row.generation));
      }
      return generations;
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  claim(messageId: string, owner: string, leaseMs: number): Promise<ArchiveClaim> {
    return guarded(`archive claim ${messageId}`, async () => {
      const taken = await this.#db
        .updateTable('archive_due')
        .set({ claimed_by: owner, claimed_until: sql<Date>`now() + ${`${Math.round(leaseMs)} milliseconds`}::interval` })
        .where('message_id', '=', messageId)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', sql<Date>`now()`), eb('claimed_by', '=', owner)]))
        .returning('generation')
        .executeTakeFirst();
      if (taken !== undefined) return { kind: 'claimed', generation: Number(taken.generation) };
      const row = await this.#db.selectFrom('archive_due').select('claimed_until').where('message_id', '=', messageId).executeTakeFirst();
      if (row === undefined) return { kind: 'none' };
      return { kind: 'busy', until: row.claimed_until ?? new Date() };
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  release(messageId: string, owner: string, generation: number, done: boolean): Promise<void> {
    return guarded(`archive release ${messageId}`, async () => {
      if (done) {
        const deleted = await this.#db
          .deleteFrom('archive_due')
          .where('message_id', '=', messageId)
          .where('claimed_by', '=', owner)
          .where('generation', '=', String(generation))
          .executeTakeFirst();
        if (deleted.numDeletedRows > 0n) return;
      }
      await this.#db
        .updateTable('archive_due')
        .set({ claimed_by: null, claimed_until: null })
        .where('message_id', '=', messageId)
        .where('claimed_by', '=', owner)
        .execute();
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  archivedKeys(messageId: string): Promise<ReadonlySet<string>> {
    return guarded(`archive archivedKeys ${messageId}`, async () => {
      const rows = await this.#db.selectFrom('archive_items').select('item_key').where('message_id', '=', messageId).execute();
      return new Set(rows.map((r) => r.item_key));
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  claimRoots(messageId: string, rootKeys: readonly string[]): Promise<ReadonlySet<string>> {
    if (rootKeys.length === 0) return Promise.resolve(new Set());
    return guarded(`archive claimRoots ${messageId}`, async () => {
      const mine = new Set<string>();
      for (const key of rootKeys) {
        await this.#db.insertInto('archive_roots').values({ item_key: key, message_id: messageId }).onConflict((oc) => oc.column('item_key').doNothing()).execute();
        const row = await this.#db
          .selectFrom('archive_roots as r')
          .select([
            'r.message_id',
            (eb) => eb.exists(eb.selectFrom('archive_items as i').select('i.item_key').whereRef('i.item_key', '=', 'r.item_key')).as('appended'),
            (eb) => eb.exists(eb.selectFrom('archive_due as d').select('d.message_id').whereRef('d.message_id', '=', 'r.message_id')).as('owner_due'),
          ])
          .where('r.item_key', '=', key)
          .executeTakeFirst();
        if (row === undefined || row.appended === true) continue;
        if (row.message_id === messageId) {
          mine.add(key);
          continue;
        }
        if (row.owner_due === true) continue;
        // The owner finished without appending it (its user was disabled, say): take it
        // over, unless another message just did.
        const taken = await this.#db
          .updateTable('archive_roots')
          .set({ message_id: messageId, claimed_at: sql<Date>`now()` })
          .where('item_key', '=', key)
          .where('message_id', '=', row.message_id)
          .executeTakeFirst();
        if (taken.numUpdatedRows > 0n) mine.add(key);
      }
      return mine;
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  recordArchived(items: readonly ArchivedItem[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return guarded('archive recordArchived', async () => {
      await this.#db
        .insertInto('archive_items')
        .values(
          items.map((item) => ({
            item_key: item.itemKey,
            message_id: item.messageId,
            mailbox: item.mailbox,
            rfc_message_id: item.rfcMessageId,
            uid_validity: item.uidValidity ?? null,
            uid: item.uid ?? null,
          })),
        )
        .onConflict((oc) => oc.column('item_key').doNothing())
        .execute();
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  listDue(before: Date, limit: number): Promise<readonly { readonly messageId: string; readonly generation: number }[]> {
    return guarded('archive listDue', async () => {
      const rows = await this.#db
        .selectFrom('archive_due')
        .select(['message_id', 'generation'])
        .where('due_since', '<', before)
        .orderBy('due_since')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ messageId: r.message_id, generation: Number(r.generation) }));
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  lag(): Promise<ArchiveLag> {
    return guarded('archive lag', async () => {
      const row = await this.#db
        .selectFrom('archive_due')
        .select([sql<number>`count(*)::int`.as('count'), sql<Date | null>`min(due_since)`.as('oldest')])
        .executeTakeFirstOrThrow();
      return { count: Number(row.count), oldestSince: row.oldest ?? undefined };
    });
  }
}
