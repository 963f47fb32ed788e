/**
 * The IMAP adapter: the only code (with adapters/smtp) that imports imapflow. One
 * {@link MailboxWatcher} — one connection — per watched mailbox.
 */
import type { ImapConfig } from '../../src/config-email.js';
import type { Logger } from '../../src/logger.js';
import type { MailboxCursorStore, MailboxWatchers, MailboxWatcherStatus, MailProcessor } from '../../src/ports/mailbox-watcher.port.js';
import { MailboxWatcher } from './watcher.js';
import { ImapArchive } from './archive.js';
import type { ArchiveConfig } from '../../src/config-archive.js';
import type { ArchiveMailboxes } from '../../src/ports/archive-mailboxes.port.js';

export { MailboxWatcher, watcherKey, type MailboxWatcherDeps } from './watcher.js';
export { expectState, type ImapSession } from './session-state.js';

export interface ImapWatchersDeps {
  readonly config: ImapConfig;
  readonly processor: MailProcessor;
  readonly cursors: MailboxCursorStore;
  readonly log: Logger;
}

/** Watchers for every `imap.mailboxes` entry; none (configured: false) without `imap.host`. */
export function createImapWatchers(deps: ImapWatchersDeps): MailboxWatchers {
  const { config } = deps;
  const host = config.host;
  const watchers =
    host === undefined
      ? []
      : config.mailboxes.map(
          (mailbox) => new MailboxWatcher({ config: { ...config, host }, mailbox, processor: deps.processor, cursors: deps.cursors, log: deps.log }),
        );
  return {
    configured: host !== undefined,
    start: () => watchers.forEach((w) => w.start()),
    stop: async () => {
      await Promise.all(watchers.map((w) => w.stop()));
    },
    status: (): readonly MailboxWatcherStatus[] => watchers.map((w) => w.status()),
  };
}

export { ImapArchive } from './archive.js';

/** The archive store for `archive.host`; undefined when no archive is configured. */
export function createImapArchive(config: ArchiveConfig, log: Logger): ArchiveMailboxes | undefined {
  const host = config.host;
  return host === undefined ? undefined : new ImapArchive({ ...config, host }, log);
}
