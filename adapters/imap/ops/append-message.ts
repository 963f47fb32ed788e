/**
 * APPEND (RFC 3501 §6.3.11) of one mail to the selected archive folder, with its original
 * time as INTERNALDATE; the UID comes back in APPENDUID (RFC 4315) where the server has UIDPLUS.
 */
import { heraldError } from '../../../src/errors.js';
import { imapError } from '../imap-error.js';
import { withDeadline } from '../deadline.js';
import { expectArchiveState, type ArchiveSession } from '../archive-session.js';

export interface AppendedMessage {
  readonly uid?: number | undefined;
  readonly uidValidity?: string | undefined;
}

/** @throws GW_ERR_IMAP_STATE outside `open`; GW_ERR_IMAP_FAILED (refused, lost, timed out) */
export async function appendMessage(session: ArchiveSession, raw: Buffer, internalDate: Date, timeoutMs: number): Promise<AppendedMessage> {
  const { client, path, uidValidity } = expectArchiveState(session, 'open', 'appendMessage');
  try {
    const result = await withDeadline(client, client.append(path, raw, [], internalDate), timeoutMs, `append to ${path}`);
    if (result === false) throw heraldError('GW_ERR_IMAP_FAILED', `append to ${path}: refused`);
    return { uid: result.uid, uidValidity: result.uidValidity?.toString() ?? uidValidity };
  } catch (err) {
    throw imapError(err, `append to ${path}`);
  }
}
