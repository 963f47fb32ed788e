/**
 * Login done → the processed-mail folder exists and the watched mailbox is selected.
 */
import type { ImapFlow } from 'imapflow';
import { imapError } from '../imap-error.js';

export interface OpenedMailbox {
  readonly uidValidity: string;
  /** The processed folder's path in the server's own hierarchy delimiter. */
  readonly processedPath: string;
}

/**
 * Creates `processed` when missing (its `/`-separated levels joined with the server's
 * delimiter by imapflow) and selects `mailbox`.
 * @throws GW_ERR_IMAP_FAILED
 */
export async function openMailbox(client: ImapFlow, mailbox: string, processed: string): Promise<OpenedMailbox> {
  let processedPath: string;
  try {
    // ALREADYEXISTS is answered as created: false (RFC 5530), not thrown.
    processedPath = (await client.mailboxCreate(processed.split('/'))).path;
  } catch (err) {
    throw imapError(err, `create ${processed}`);
  }
  try {
    const box = await client.mailboxOpen(mailbox);
    return { uidValidity: box.uidValidity.toString(), processedPath };
  } catch (err) {
    throw imapError(err, `select ${mailbox}`);
  }
}
