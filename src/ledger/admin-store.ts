/** The admin API's view of the ledger, on the same Kysely instance as the ledger. */
import type { Kysely } from 'kysely';
import type { DirectoryEntry } from '../domain/message.js';
import type { AdminStore } from '../ports/admin-store.port.js';
import type { ApiSessionStore } from '../ports/api-session-store.port.js';
import type { ApiTokenStore } from '../ports/api-token-store.port.js';
import type { AuditLog } from '../ports/audit-log.port.js';
import type { DeliveryStats } from '../ports/delivery-stats.port.js';
import type { MessageQueries } from '../ports/message-queries.port.js';
import { KyselyApiSessionStore } from './api-sessions.js';
import { KyselyApiTokenStore } from './api-tokens.js';
import { KyselyAuditLog } from './audit-log.js';
import { KyselyDeliveryStats } from './delivery-stats.js';
import { importDirectory } from './directory-import.js';
import { KyselyMessageQueries } from './message-queries.js';
import type { LedgerDatabase } from './schema.js';

/** {@link AdminStore} over Kysely (PostgreSQL or PGlite). */
export class KyselyAdminStore implements AdminStore {
  readonly messages: MessageQueries;
  readonly tokens: ApiTokenStore;
  readonly sessions: ApiSessionStore;
  readonly audit: AuditLog;
  readonly stats: DeliveryStats;
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
    this.messages = new KyselyMessageQueries(db);
    this.tokens = new KyselyApiTokenStore(db);
    this.sessions = new KyselyApiSessionStore(db);
    this.audit = new KyselyAuditLog(db);
    this.stats = new KyselyDeliveryStats(db);
  }

  /** @throws GW_ERR_LEDGER_CONFLICT with meta.index, GW_ERR_DB_UNREACHABLE */
  importDirectory(entries: readonly DirectoryEntry[]): Promise<void> {
    return importDirectory(this.#db, entries);
  }
}
