/**
 * A migrated ledger on one backend, for contract tests run against both: a fresh database
 * on the shared PostgreSQL server, or embedded PGlite in a temp folder.
 */
import { createLedger, type LedgerConnectOptions } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import { createTempDataDir } from './pglite.js';
import { createTestDatabase } from './postgres.js';

export type LedgerBackend = 'postgres' | 'pglite';

export interface LedgerOnBackend {
  readonly ledger: Awaited<ReturnType<typeof createLedger>>;
  /** Closes the ledger and removes its database or folder. */
  close(): Promise<void>;
}

/** Opens and migrates a ledger on `backend`; `label` names the database or folder. */
export async function openLedgerOn(backend: LedgerBackend, label: string, poolSize = 5): Promise<LedgerOnBackend> {
  let options: LedgerConnectOptions;
  let remove: () => Promise<void>;
  if (backend === 'postgres') {
    const database = await createTestDatabase(label);
    remove = () => database.drop();
    options = { databaseUrl: database.url, dataDir: '/nonexistent-never-used', poolSize };
  } else {
    const folder = await createTempDataDir(`herald-${label}`);
    remove = () => folder.remove();
    options = { dataDir: folder.dir, poolSize: 1 };
  }
  const ledger = await createLedger(options, createLogger('silent'));
  await ledger.migrate();
  return {
    ledger,
    async close() {
      await ledger.close();
      await remove();
    },
  };
}
