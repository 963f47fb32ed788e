/**
 * The ledger's migrations, in code rather than files on disk, so they run the same from
 * the TypeScript sources (vitest) and from the compiled dist/ (no directory scanning).
 */
import type { Migration, MigrationProvider } from 'kysely';
import { migration0001Initial } from './0001-initial.js';

/** One named migration. Names sort in the order they must run and are never renamed. */
export interface NamedMigration {
  readonly name: string;
  readonly migration: Migration;
}

/** Every migration, oldest first. Append only. */
export const MIGRATIONS: readonly NamedMigration[] = [{ name: '0001-initial', migration: migration0001Initial }];

/** Kysely provider over {@link MIGRATIONS}. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(Object.fromEntries(MIGRATIONS.map((m) => [m.name, m.migration]))),
};
