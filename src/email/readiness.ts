/**
 * What /readyz says about email: `none configured` when no relay / mailbox is set (ready:
 * email deliveries wait, nothing is broken), else the relay's and watchers' state.
 */
import type { MailTransportStatus } from '../ports/mail-transport.port.js';
import type { MailboxWatcherStatus } from '../ports/mailbox-watcher.port.js';

/** @throws Error naming the relay's last failure when it is failing. */
export function smtpReadiness(status: MailTransportStatus): string {
  switch (status.state) {
    case 'none-configured':
      return 'none configured';
    case 'idle':
      return `${status.host} (not used yet)`;
    case 'up':
      return 'up';
    case 'failing':
      throw new Error(status.configuration === undefined ? `SMTP relay ${status.host} failing: ${status.lastError}` : `SMTP relay ${status.host}: configuration error: ${status.configuration}`);
  }
}

/**
 * A watcher connecting again after a failure (it still has its `lastError`) is down: in
 * an outage it alternates between backoff and a reconnect attempt, and must not look up
 * during the attempt. Only the first connection, at start, is "connecting".
 * @throws Error naming the watchers not connected.
 */
export function imapReadiness(configured: boolean, watchers: readonly MailboxWatcherStatus[]): string {
  if (!configured) return 'none configured';
  const down = watchers.filter((w) => w.state === 'backoff' || w.state === 'stopped' || (w.state === 'connecting' && w.lastError !== undefined));
  if (down.length > 0) throw new Error(`not watching: ${down.map((w) => `${w.watcher}${w.lastError === undefined ? '' : ` (${w.lastError})`}`).join(', ')}`);
  const connecting = watchers.filter((w) => w.state === 'connecting');
  return connecting.length === 0 ? 'up' : `connecting (${connecting.map((w) => w.watcher).join(', ')})`;
}
