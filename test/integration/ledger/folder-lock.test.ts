/** The embedded ledger's folder has one owner; a dead owner's lock is taken over. */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockFolder, lockPath } from '../../../src/ledger/folder-lock.js';
import { createTempDataDir, type TempDataDir } from '../../helpers/pglite.js';

describe('the ledger folder lock', () => {
  let dataDir: TempDataDir;
  let folder: string;

  beforeEach(async () => {
    dataDir = await createTempDataDir('folder-lock');
    folder = path.join(dataDir.dir, 'ledger');
  });
  afterEach(() => dataDir.remove());

  it('refuses a folder whose owner lives, naming it', async () => {
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(lockPath(folder), JSON.stringify({ pid: owner.pid, command: 'herald start' }));
      await expect(lockFolder(folder, 'herald migrate')).rejects.toThrow(`in use by herald (pid ${String(owner.pid)}, herald start)`);
    } finally {
      owner.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that is gone, and releases it', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    await writeFile(lockPath(folder), JSON.stringify({ pid: dead.pid, command: 'herald start' }));
    const lock = await lockFolder(folder, 'herald migrate');
    expect(JSON.parse(await readFile(lockPath(folder), 'utf8'))).toEqual({ pid: process.pid, command: 'herald migrate' });
    await lock.release();
    await expect(readFile(lockPath(folder), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
