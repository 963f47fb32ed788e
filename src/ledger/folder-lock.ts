/**
 * One owner of the embedded ledger's folder. PGlite is a whole PostgreSQL in one process:
 * a second process opening the same folder (a `herald token create` next to a running
 * gateway) works on its own copy of the pages and the two overwrite each other's writes,
 * which is how a printed token came to get 401 and audit rows went missing (issue 18).
 * So whoever opens the folder first writes `<folder>.lock` with its pid, and everyone
 * else is refused with one line naming it. A lock whose process is gone (a crash, a
 * SIGKILL) is taken over.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { heraldError } from '../errors.js';

/** Who holds the folder, as written in its lock file. */
export interface FolderHolder {
  readonly pid: number;
  /** What it runs, e.g. `herald start`. */
  readonly command: string;
}

export interface FolderLock {
  /** Removes the lock file if it is still this process's. */
  release(): Promise<void>;
}

export function lockPath(folder: string): string {
  return `${folder}.lock`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(folder: string): Promise<FolderHolder | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath(folder), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<FolderHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.command === 'string') return { pid: parsed.pid, command: parsed.command };
  } catch {
    // Written by an older build, or caught half-written: decided below.
  }
  return 'unreadable';
}

/** The live process holding the folder, if any (a dead holder's lock counts as free). */
export async function folderHolder(folder: string): Promise<FolderHolder | undefined> {
  const holder = await readHolder(folder);
  return holder === undefined || holder === 'unreadable' || !isAlive(holder.pid) || holder.pid === process.pid ? undefined : holder;
}

/** The one line an operator reads when the folder is taken. */
export function folderInUse(folder: string, holder: FolderHolder): Error {
  return heraldError(
    'GW_ERR_DB_UNREACHABLE',
    `dataDir (${folder}): in use by herald (pid ${holder.pid}, ${holder.command}); the embedded ledger has one owner: stop that process first, or use DATABASE_URL to share a database`,
    { meta: { backend: 'pglite', holder } },
  );
}

/**
 * Takes the folder for this process.
 * @throws GW_ERR_DB_UNREACHABLE naming the live process that holds it
 */
export async function lockFolder(folder: string, command: string): Promise<FolderLock> {
  const path = lockPath(folder);
  const mine: FolderHolder = { pid: process.pid, command };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      try {
        await file.writeFile(`${JSON.stringify(mine)}\n`);
      } finally {
        await file.close();
      }
      return { release: () => releaseIfMine(folder) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(folder);
    if (holder === 'unreadable') {
      // Half-written by a process starting this very moment: look again shortly.
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (attempt < 3) continue;
    } else if (holder !== undefined && isAlive(holder.pid) && holder.pid !== process.pid) {
      throw folderInUse(folder, holder);
    }
    // Its process is gone. Renaming first means two processes taking over at once cannot
    // both remove the file: the second rename finds nothing and that one tries again.
    const stale = `${path}.stale-${process.pid}`;
    await rename(path, stale).then(
      () => unlink(stale),
      () => undefined,
    );
  }
  throw heraldError('GW_ERR_DB_UNREACHABLE', `dataDir (${folder}): cannot take ${path}; remove it if no herald process runs`);
}

async function releaseIfMine(folder: string): Promise<void> {
  const holder = await readHolder(folder).catch(() => undefined);
  if (holder !== undefined && holder !== 'unreadable' && holder.pid === process.pid) await unlink(lockPath(folder)).catch(() => undefined);
}
