/**
 * The ledger's migrations, in code rather than files on disk, so they run the same from
 * the TypeScript sources (vitest) and from the compiled dist/ (no directory scanning).
 */
import type { Migration, MigrationProvider } from 'kysely';
import { migration0001Initial } from './0001-initial.js';
import { migration0002AdminApi } from './0002-admin-api.js';
import { migration0003Sms } from './0003-sms.js';
import { migration0004Dispositions } from './0004-dispositions.js';
import { migration0005Email } from './0005-email.js';
import { migration0006MediaLinks } from './0006-media-links.js';
import { migration0007Archive } from './0007-archive.js';
import { migration0008ArchiveGeneration } from './0008-archive-generation.js';
import { migration0009RecycledSmscIds } from './0009-recycled-smsc-ids.js';
import { migration0013EventsWithoutForeignKeys } from './0013-events-without-foreign-keys.js';
import { migration0014SegmentsRedundantIndex } from './0014-segments-redundant-index.js';
import { migration0019DeliveriesJobId } from './0019-deliveries-job-id.js';
import { migration0020PartsAndNotificationsWithoutForeignKeys } from './0020-parts-and-notifications-without-foreign-keys.js';
import { migration0021ArchiveRoots } from './0021-archive-roots.js';
import { migration0022MsrpSessions } from './0022-msrp-sessions.js';

/** One named migration. Names sort in the order they must run and are never renamed. */
export interface NamedMigration {
  readonly name: string;
  readonly migration: Migration;
}

/** Every migration, oldest first. Append only. */
export const MIGRATIONS: readonly NamedMigration[] = [
  { name: '0001-initial', migration: migration0001Initial },
  { name: '0002-admin-api', migration: migration0002AdminApi },
  { name: '0003-sms', migration: migration0003Sms },
  { name: '0004-dispositions', migration: migration0004Dispositions },
  { name: '0005-email', migration: migration0005Email },
  { name: '0006-media-links', migration: migration0006MediaLinks },
  { name: '0007-archive', migration: migration0007Archive },
  { name: '0008-archive-generation', migration: migration0008ArchiveGeneration },
  { name: '0009-recycled-smsc-ids', migration: migration0009RecycledSmscIds },
  { name: '0013-events-without-foreign-keys', migration: migration0013EventsWithoutForeignKeys },
  { name: '0014-segments-redundant-index', migration: migration0014SegmentsRedundantIndex },
  { name: '0019-deliveries-job-id', migration: migration0019DeliveriesJobId },
  { name: '0020-parts-and-notifications-without-foreign-keys', migration: migration0020PartsAndNotificationsWithoutForeignKeys },
  { name: '0021-archive-roots', migration: migration0021ArchiveRoots },
  { name: '0022-msrp-sessions', migration: migration0022MsrpSessions },
];

/** Kysely provider over {@link MIGRATIONS}. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(Object.fromEntries(MIGRATIONS.map((m) => [m.name, m.migration]))),
};
