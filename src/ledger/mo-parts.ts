/**
 * MO SMS parts on the `mo_parts` table (migration 0003): durable before the deliver_sm is
 * acknowledged, visible to every node.
 */
import type { Kysely } from 'kysely';
import type { MoPartStore, NewMoPart, StoredMoPart } from '../ports/mo-parts.port.js';
import { guarded } from './db-errors.js';
import { toBuffer, toId } from './rows.js';
import type { LedgerDatabase } from './schema.js';

type PartRow = {
  id: string | number | bigint;
  group_key: string;
  connection_id: string;
  source: string;
  destination: string;
  ref: number;
  total: number;
  seq: number;
  data_coding: number;
  body: Uint8Array;
  received_at: Date;
};

function toPart(row: PartRow): StoredMoPart {
  return {
    id: toId(row.id),
    groupKey: row.group_key,
    connectionId: row.connection_id,
    source: row.source,
    destination: row.destination,
    ref: row.ref,
    total: row.total,
    seq: row.seq,
    dataCoding: row.data_coding,
    body: toBuffer(row.body),
    receivedAt: row.received_at,
  };
}

/** {@link MoPartStore} over Kysely (PostgreSQL or PGlite). */
export class KyselyMoPartStore implements MoPartStore {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async add(part: NewMoPart): Promise<boolean> {
    return guarded(`addMoPart ${part.groupKey}#${part.seq}`, async () => {
      const row = await this.#db
        .insertInto('mo_parts')
        .values({
          group_key: part.groupKey,
          connection_id: part.connectionId,
          source: part.source,
          destination: part.destination,
          ref: part.ref,
          total: part.total,
          seq: part.seq,
          data_coding: part.dataCoding,
          body: part.body,
        })
        .onConflict((oc) => oc.columns(['group_key', 'seq']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async listGroup(groupKey: string): Promise<readonly StoredMoPart[]> {
    return guarded(`listMoParts ${groupKey}`, async () => {
      const rows = await this.#db.selectFrom('mo_parts').selectAll().where('group_key', '=', groupKey).orderBy('seq').execute();
      return rows.map(toPart);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async staleGroups(before: Date, limit: number): Promise<readonly string[]> {
    return guarded('staleMoGroups', async () => {
      const rows = await this.#db
        .selectFrom('mo_parts')
        .select('group_key')
        .groupBy('group_key')
        .having((eb) => eb.fn.min('received_at'), '<', before)
        .orderBy((eb) => eb.fn.min('received_at'))
        .limit(limit)
        .execute();
      return rows.map((row) => row.group_key);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async remove(ids: readonly string[]): Promise<void> {
    const valid = ids.filter((id) => /^\d{1,18}$/.test(id));
    if (valid.length === 0) return;
    await guarded('removeMoParts', async () => {
      await this.#db.deleteFrom('mo_parts').where('id', 'in', valid).execute();
    });
  }
}
