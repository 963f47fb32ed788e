/**
 * Login done → the archive folder exists (created on demand, every level) and is
 * selected, so SEARCH can look for Message-IDs in it.
 */
import type { ImapFlow } from 'imapflow';
import { imapError } from '../imap-error.js';

export interface OpenedArchiveFolder {
  /** The folder's path in the server's own hierarchy delimiter. */
  readonly path: string;
  readonly uidValidity: string;
}

/**
 * @param folder `/`-separated levels, joined with the server's delimiter by imapflow.
 * @throws GW_ERR_IMAP_FAILED
 */
export async function openArchiveFolder(client: ImapFlow, folder: string): Promise<OpenedArchiveFolder> {
  let path: string;
  try {
    // ALREADYEXISTS is answered as created: false (RFC 5530), not thrown.
    path = (await client.mailboxCreate(folder.split('/'))).path;
  } catch (err) {
    throw imapError(err, `create ${folder}`);
  }
  try {
    const box = await client.mailboxOpen(path);
    return { path, uidValidity: box.uidValidity.toString() };
  } catch (err) {
    throw imapError(err, `select ${path}`);
  }
}
