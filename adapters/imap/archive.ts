/**
 * The IMAP archive store ({@link ArchiveMailboxes}): one lane, i.e. at most one
 * connection, per (account, folder); at most `archive.maxConnections` open at once.
 */
import type { ArchiveConfig } from '../../src/config-archive.js';
import type { Logger } from '../../src/logger.js';
import type { ArchiveAppendRequest, ArchiveAppendResult, ArchiveMailboxes, ArchiveMailboxesStatus } from '../../src/ports/archive-mailboxes.port.js';
import { heraldError } from '../../src/errors.js';
import { ArchiveLane } from './archive-lane.js';
import { ArchiveSlots } from './archive-slots.js';

export class ImapArchive implements ArchiveMailboxes {
  readonly #config: ArchiveConfig & { readonly host: string };
  readonly #log: Logger;
  readonly #slots: ArchiveSlots;
  readonly #lanes = new Map<string, ArchiveLane>();
  #lastError: string | undefined;
  #closed = false;

  constructor(config: ArchiveConfig & { readonly host: string }, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.#slots = new ArchiveSlots(config.maxConnections);
  }

  /** @throws GW_ERR_IMAP_FAILED (also once closed: the job retries on a live node) */
  append(request: ArchiveAppendRequest): Promise<ArchiveAppendResult> {
    if (this.#closed) return Promise.reject(heraldError('GW_ERR_IMAP_FAILED', 'archive closing'));
    const key = `${request.account.key}\u0000${request.mailbox}`;
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = new ArchiveLane({
        config: this.#config,
        account: request.account,
        folder: request.mailbox,
        slots: this.#slots,
        log: this.#log,
        onOutcome: (error) => {
          this.#lastError = error;
        },
      });
      this.#lanes.set(key, lane);
    }
    return lane.append(request);
  }

  status(): ArchiveMailboxesStatus {
    return { connections: [...this.#lanes.values()].filter((l) => l.connected).length, lastError: this.#lastError };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#lanes.values()].map((lane) => lane.close()));
  }
}
