/** A throwaway data folder for the embedded (PGlite) ledger. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempDataDir {
  /** Use as `dataDir`: the ledger lives in `<dir>/ledger`. */
  readonly dir: string;
  remove(): Promise<void>;
}

export async function createTempDataDir(label = 'herald'): Promise<TempDataDir> {
  const dir = await mkdtemp(path.join(tmpdir(), `${label}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
