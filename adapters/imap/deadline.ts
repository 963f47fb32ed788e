/**
 * A time limit on one IMAP command: imapflow waits for a tagged answer as long as the
 * socket lives, and a hung server or a proxy that stopped forwarding keeps it alive. Past
 * the limit the connection is closed (which fails whatever else is queued on it).
 */
import type { ImapFlow } from 'imapflow';
import { heraldError } from '../../src/errors.js';

/** @throws GW_ERR_IMAP_FAILED when `ms` passes first; whatever `command` rejects with. */
export async function withDeadline<T>(client: ImapFlow, command: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      client.close();
      reject(heraldError('GW_ERR_IMAP_FAILED', `${what}: no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([command, silence]);
  } finally {
    clearTimeout(timer);
  }
}
