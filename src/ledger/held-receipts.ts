/**
 * Held receipts on the `held_receipts` table (migration 0003). Matching deletes by id, so
 * two nodes re-matching the same receipt both apply it (idempotently) but only one
 * `release` reports true.
 */
import type { Kysely } from 'kysely';
import type { HeldReceiptStore, NewHeldReceipt, StoredHeldReceipt } from '../ports/held-receipts.port.js';
import { guarded } from './db-errors.js';
import { runFixed } from './fixed-sql.js';
import { jsonText, toId } from './rows.js';
import type { LedgerDatabase } from './schema.js';

type HeldRow = {
  id: string | number | bigint;
  connection_id: string;
  smsc_message_id: string;
  receipt: unknown;
  received_at: Date;
  expires_at: Date;
};

function toHeld(row: HeldRow): StoredHeldReceipt {
  const receipt = typeof row.receipt === 'object' && row.receipt !== null && !Array.isArray(row.receipt) ? (row.receipt as Record<string, unknown>) : {};
  return {
    id: toId(row.id),
    connectionId: row.connection_id,
    smscMessageId: row.smsc_message_id,
    receipt,
    receivedAt: row.received_at,
    expiresAt: row.expires_at,
  };
}

/** {@link HeldReceiptStore} over Kysely (PostgreSQL or PGlite). */
export class KyselyHeldReceiptStore implements HeldReceiptStore {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async hold(receipt: NewHeldReceipt): Promise<StoredHeldReceipt> {
    return guarded(`holdReceipt ${receipt.connectionId}/${receipt.smscMessageId}`, async () => {
      const row = await this.#db
        .insertInto('held_receipts')
        .values({
          connection_id: receipt.connectionId,
          smsc_message_id: receipt.smscMessageId,
          receipt: jsonText(receipt.receipt),
          expires_at: receipt.expiresAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toHeld(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async forMessage(connectionId: string, smscMessageId: string): Promise<readonly StoredHeldReceipt[]> {
    return guarded(`heldReceipts ${connectionId}/${smscMessageId}`, async () => {
      // Asked once per SMS part stored (fixed text: see fixed-sql.ts).
      const rows = await runFixed<HeldRow>(
        this.#db,
        'select * from held_receipts where connection_id = $1 and smsc_message_id = $2 order by id',
        [connectionId, smscMessageId],
      );
      return rows.map(toHeld);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async list(limit: number, afterId?: string): Promise<readonly StoredHeldReceipt[]> {
    return guarded('listHeldReceipts', async () => {
      let query = this.#db.selectFrom('held_receipts').selectAll().orderBy('id').limit(limit);
      if (afterId !== undefined && /^\d{1,18}$/.test(afterId)) query = query.where('id', '>', afterId);
      return (await query.execute()).map(toHeld);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async release(id: string): Promise<boolean> {
    if (!/^\d{1,18}$/.test(id)) return false;
    return guarded(`releaseHeldReceipt ${id}`, async () => {
      const result = await this.#db.deleteFrom('held_receipts').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async count(): Promise<number> {
    return guarded('countHeldReceipts', async () => {
      const row = await this.#db.selectFrom('held_receipts').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    });
  }
}
