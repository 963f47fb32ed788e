/**
 * Group lookups for reply-to-all (REQ-GROUP-4) over Kysely, for PostgreSQL and PGlite.
 * Served by the partial index deliveries_group_member_idx (migration 0006).
 */
import type { Kysely } from 'kysely';
import type { GroupLookup, GroupMessage, GroupStore } from '../ports/group-store.port.js';
import { guarded } from './db-errors.js';
import { toDelivery, toMessage } from './rows.js';
import type { LedgerDatabase } from './schema.js';

/** {@link GroupStore} over the ledger's connection. */
export class KyselyGroupStore implements GroupStore {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  latestGroupFor(lookup: GroupLookup): Promise<GroupMessage | undefined> {
    return guarded(`latestGroupFor ${lookup.memberUri}`, async () => {
      let query = this.#db
        .selectFrom('deliveries as d')
        .innerJoin('messages as m', 'm.id', 'd.message_id')
        .select('m.id')
        .where('d.target_uri', '=', lookup.memberUri)
        .where('d.copy_control', 'is not', null)
        .where('d.created_at', '>=', lookup.since)
        .where('m.direction', '=', 'mt');
      if (lookup.senderUri !== undefined) query = query.where('m.sender_uri', '=', lookup.senderUri);
      const found = await query.orderBy('d.created_at', 'desc').limit(1).executeTakeFirst();
      if (found === undefined) return undefined;
      const message = await this.#db.selectFrom('messages').selectAll().where('id', '=', found.id).executeTakeFirst();
      if (message === undefined) return undefined;
      const deliveries = await this.#db
        .selectFrom('deliveries')
        .selectAll()
        .where('message_id', '=', found.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return { message: toMessage(message), deliveries: deliveries.map(toDelivery) };
    });
  }
}
