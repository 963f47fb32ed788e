/**
 * Ends IDLE and proves the connection alive: imapflow sends DONE before any command, and
 * a NOOP must then be answered within `timeoutMs`. A silent server (a NAT that dropped
 * the flow, a hung proxy) surfaces here rather than as mail that never arrives.
 */
import { heraldError } from '../../../src/errors.js';
import { imapError } from '../imap-error.js';
import { expectState, type ImapSession } from '../session-state.js';

/** @throws GW_ERR_IMAP_STATE outside `idling`; GW_ERR_IMAP_FAILED on no or a bad answer. */
export async function heartbeat(session: ImapSession, timeoutMs: number): Promise<void> {
  const { client } = expectState(session, 'idling', 'heartbeat');
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(heraldError('GW_ERR_IMAP_FAILED', `no answer to NOOP within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.noop(), silence]);
  } catch (err) {
    throw imapError(err, 'NOOP');
  } finally {
    clearTimeout(timer);
  }
}
