/**
 * Held receipts on the `held_receipts` table (migration 0003). Matching deletes by id, so
 * two nodes re-matching the same receipt both apply it (idempotently) but only one
 * `release` reports true.
 */
import { sql, type Kysely } from 'kysely';
import type { HeldReceiptStore, NewHeldReceipt, StoredHeldReceipt } from '../ports/held-receipts.port.js';
import { guarded } from './db-errors.js';
import type { BatchStatement } from './batch-statement.js';
import { rowsPerOp, withoutOrd } from './batch-statement.js';
import type { LedgerWriter } from './writer.js';
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

/** The receipts held for each (connection, SMSC id) asked for, oldest first. */
export const HELD_FOR_MESSAGES: BatchStatement<
  { readonly connectionId: string; readonly smscMessageId: string },
  HeldRow & { readonly ord: string | number },
  readonly StoredHeldReceipt[]
> = {
  name: 'herald_held_for_messages',
  text: `select r.ord, h.* from unnest($1::text[], $2::text[]) with ordinality as r (connection_id, smsc_message_id, ord)
    cross join lateral (
      select id, connection_id, smsc_message_id, receipt, received_at, expires_at
      from held_receipts where connection_id = r.connection_id and smsc_message_id = r.smsc_message_id offset 0
    ) h
    order by r.ord, h.id`,
  keyOf: (op) => `${op.connectionId}\u0000${op.smscMessageId}`,
  parameters: (ops) => [ops.map((op) => op.connectionId), ops.map((op) => op.smscMessageId)],
  results: (rows, ops) => rowsPerOp(rows, ops.length).map((own) => own.map((row) => toHeld(withoutOrd(row)))),
};

/** {@link HeldReceiptStore} over Kysely (PostgreSQL or PGlite). */
export class KyselyHeldReceiptStore implements HeldReceiptStore {
  readonly #db: Kysely<LedgerDatabase>;
  readonly #writer: LedgerWriter;

  constructor(db: Kysely<LedgerDatabase>, writer: LedgerWriter) {
    this.#db = db;
    this.#writer = writer;
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
    // Asked once per SMS part stored: batched with the other parts' (writer.ts).
    return guarded(`heldReceipts ${connectionId}/${smscMessageId}`, () => this.#writer.heldFor({ connectionId, smscMessageId }));
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
  async claim(id: string, leaseMs: number): Promise<boolean> {
    if (!/^\d{1,18}$/.test(id)) return false;
    return guarded(`claimHeldReceipt ${id}`, async () => {
      // claimed_until (migration 0009) is not in the row type: only claims use it.
      const result = await sql`
        update held_receipts set claimed_until = now() + make_interval(secs => ${leaseMs / 1000})
        where id = ${id} and (claimed_until is null or claimed_until < now())`.execute(this.#db);
      return Number(result.numAffectedRows ?? 0) > 0;
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
