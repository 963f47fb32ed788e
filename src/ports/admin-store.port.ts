import type { DirectoryEntry } from '../domain/message.js';
import type { ApiSessionStore } from './api-session-store.port.js';
import type { ApiTokenStore } from './api-token-store.port.js';
import type { AuditLog } from './audit-log.port.js';
import type { DeliveryStats } from './delivery-stats.port.js';
import type { MessageQueries } from './message-queries.port.js';

/** The ledger's side of the admin API: queries, credentials, the audit trail. */
export interface AdminStore {
  readonly messages: MessageQueries;
  readonly tokens: ApiTokenStore;
  readonly sessions: ApiSessionStore;
  readonly audit: AuditLog;
  /** Throughput figures for the dashboard. */
  readonly stats: DeliveryStats;
  /**
   * Creates or replaces every entry in one transaction: all of them, or none.
   * @throws GW_ERR_LEDGER_CONFLICT with `meta.index` (position in `entries`) when an
   *   MSISDN or email belongs to another IM user; GW_ERR_DB_UNREACHABLE
   */
  importDirectory(entries: readonly DirectoryEntry[]): Promise<void>;
}
