/** The audit trail on the `audit` table: append and read, never update. */
import type { Kysely } from 'kysely';
import type { AuditEvent, AuditLog, NewAuditEvent } from '../ports/audit-log.port.js';
import { toAuditEvent } from './admin-rows.js';
import { guarded } from './db-errors.js';
import { jsonText } from './rows.js';
import type { LedgerDatabase } from './schema.js';

/** {@link AuditLog} over Kysely (PostgreSQL or PGlite). */
export class KyselyAuditLog implements AuditLog {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async record(event: NewAuditEvent): Promise<AuditEvent> {
    return guarded(`audit ${event.action}`, async () => {
      const row = await this.#db
        .insertInto('audit')
        .values({
          actor_token_id: event.actorTokenId ?? null,
          actor_name: event.actorName,
          action: event.action,
          target: event.target,
          source_ip: event.sourceIp ?? null,
          detail: jsonText(event.detail),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAuditEvent(row);
    });
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async list(limit: number, beforeId?: string): Promise<readonly AuditEvent[]> {
    return guarded('audit list', async () => {
      let query = this.#db.selectFrom('audit').selectAll().orderBy('id', 'desc').limit(limit);
      // bigserial: anything but digits cannot be an id (and would be a cast error).
      if (beforeId !== undefined) {
        if (!/^\d{1,18}$/.test(beforeId)) return [];
        query = query.where('id', '<', beforeId);
      }
      const rows = await query.execute();
      return rows.map(toAuditEvent);
    });
  }
}
