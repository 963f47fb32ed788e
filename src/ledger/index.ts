/**
 * The ledger: Herald's system of record on PostgreSQL (DATABASE_URL) or, by default,
 * embedded PGlite under `<dataDir>/ledger`; one schema, one set of queries.
 */
import type { Logger } from '../logger.js';
import type { AdminStore } from '../ports/admin-store.port.js';
import type { DispositionStore } from '../ports/disposition-store.port.js';
import type { EmailStore } from '../ports/email-store.port.js';
import type { ArchiveStore } from '../ports/archive-store.port.js';
import type { GroupStore } from '../ports/group-store.port.js';
import type { MediaLinkStore } from '../ports/media-link-store.port.js';
import type { MsrpSessionStore } from '../ports/msrp-session-store.port.js';
import type { Ledger, TransitionsWithHistory } from '../ports/ledger.port.js';
import { connectLedger, type LedgerConnectOptions } from './connect.js';
import { KyselyLedger, type LedgerObserver } from './kysely-ledger.js';

export type { LedgerConnectOptions } from './connect.js';
export { pgliteDirectory } from './connect.js';
export { KyselyLedger, type LedgerObserver } from './kysely-ledger.js';
export { MIGRATIONS } from './migrations/index.js';

/**
 * Opens the ledger and checks that it answers. Does not migrate: call `migrate()` (start
 * and `herald migrate` do). `admin` is the admin API's side of the same database, a
 * port of its own so the Ledger port stays what the message path needs; `dispositions`
 * likewise holds the IMDNs owed to senders.
 * @throws GW_ERR_DB_UNREACHABLE with a one-line detail that starts with `DATABASE_URL`
 *   (or `dataDir` for PGlite), the location with its password masked, and the reason.
 */
export async function createLedger(options: LedgerConnectOptions, log: Logger, observe?: LedgerObserver): Promise<Ledger & TransitionsWithHistory & { readonly admin: AdminStore; readonly dispositions: DispositionStore; readonly email: EmailStore; readonly archive: ArchiveStore; readonly media: MediaLinkStore; readonly groups: GroupStore; readonly msrpSessions: MsrpSessionStore }> {
  const connection = await connectLedger(options, log.child({ component: 'ledger' }));
  return new KyselyLedger(connection, log, observe);
}
