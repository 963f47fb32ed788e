/**
 * One archive folder of one account on its own connection (imapflow runs one command at
 * a time per connection, so one connection per folder is the most that helps). Appends
 * queued by any number of jobs are taken in batches: one SEARCH for the batch's
 * Message-IDs, then an APPEND for each one missing. Only lifecycle lives here; the
 * protocol steps are ops/.
 */
import { ImapFlow } from 'imapflow';
import type { ArchiveConfig } from '../../src/config-archive.js';
import type { Logger } from '../../src/logger.js';
import type { ArchiveAccount, ArchiveAppendRequest, ArchiveAppendResult } from '../../src/ports/archive-mailboxes.port.js';
import { imapError } from './imap-error.js';
import { appendMessage } from './ops/append-message.js';
import { findMessageIds } from './ops/find-message-ids.js';
import { openArchiveFolder } from './ops/open-archive-folder.js';
import type { ArchiveSession } from './archive-session.js';
import type { ArchiveSlots, SlotHolder } from './archive-slots.js';
import { withDeadline } from './deadline.js';

interface Pending {
  readonly request: ArchiveAppendRequest;
  resolve(result: ArchiveAppendResult): void;
  reject(err: unknown): void;
}

export interface ArchiveLaneDeps {
  readonly config: ArchiveConfig & { readonly host: string };
  readonly account: ArchiveAccount;
  readonly folder: string;
  readonly slots: ArchiveSlots;
  readonly log: Logger;
  /** Told after every batch: undefined on success, the error on failure. */
  readonly onOutcome: (error: string | undefined) => void;
}

export class ArchiveLane implements SlotHolder {
  readonly #deps: ArchiveLaneDeps;
  readonly #log: Logger;
  #queue: Pending[] = [];
  #session: ArchiveSession = { kind: 'closed' };
  #draining: Promise<void> | undefined;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(deps: ArchiveLaneDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'imap-archive', account: deps.account.key, folder: deps.folder });
  }

  get connected(): boolean {
    return this.#session.kind === 'open';
  }

  /** Queues one append; resolves when the server has the mail (appended now or before). */
  append(request: ArchiveAppendRequest): Promise<ArchiveAppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#draining !== undefined) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      // An append may have arrived after the loop's last look and before this callback.
      if (this.#queue.length > 0) this.#kick();
      else this.#armIdle();
    });
  }

  isIdle(): boolean {
    return this.#session.kind === 'open' && this.#queue.length === 0 && this.#draining === undefined;
  }

  async closeIdle(): Promise<void> {
    await this.#disconnect();
  }

  /** Waits for the batch in hand, fails what is still queued, logs out. */
  async close(): Promise<void> {
    await this.#draining;
    await this.#disconnect();
  }

  async #drain(): Promise<void> {
    clearTimeout(this.#idleTimer);
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#deps.config.batchSize);
      try {
        await this.#open();
        await this.#appendBatch(batch);
        this.#deps.onOutcome(undefined);
      } catch (err) {
        const error = imapError(err, `archive ${this.#deps.account.key}/${this.#deps.folder}`);
        this.#deps.onOutcome(error.detail);
        this.#log.warn({ err: error, failed: batch.length + this.#queue.length }, 'archive batch failed; jobs retry later');
        // Everything queued behind would meet the same server: fail it now and let each
        // job back off, instead of reconnecting once per mail while the server is away.
        for (const p of [...batch, ...this.#queue.splice(0)]) p.reject(error);
        await this.#disconnect();
      }
    }
  }

  async #appendBatch(batch: readonly Pending[]): Promise<void> {
    const timeoutMs = this.#deps.config.responseTimeoutMs;
    const byId = new Map<string, Pending[]>();
    for (const p of batch) byId.set(p.request.rfcMessageId, [...(byId.get(p.request.rfcMessageId) ?? []), p]);
    const present = await findMessageIds(this.#session, [...byId.keys()], timeoutMs);
    const uidValidity = this.#session.kind === 'open' ? this.#session.uidValidity : undefined;
    for (const [id, waiting] of byId) {
      const uid = present.get(id);
      if (uid !== undefined) {
        this.#log.info({ msgId: waiting[0]?.request.msgId, rfcMessageId: id, uid }, 'already archived; not appended again');
        for (const p of waiting) p.resolve({ existed: true, uid, uidValidity });
        continue;
      }
      const first = waiting[0];
      if (first === undefined) continue;
      const appended = await appendMessage(this.#session, first.request.raw, first.request.internalDate, timeoutMs);
      this.#log.debug({ msgId: first.request.msgId, rfcMessageId: id, uid: appended.uid }, 'appended');
      for (const p of waiting) p.resolve({ existed: false, ...appended });
    }
  }

  async #open(): Promise<void> {
    if (this.#session.kind === 'open') return;
    await this.#deps.slots.acquire(this);
    this.#session = { kind: 'opening' };
    const { config, account, folder } = this.#deps;
    const client = new ImapFlow({
      host: config.host,
      port: config.port,
      secure: config.secure,
      doSTARTTLS: config.secure ? undefined : config.starttls,
      tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
      auth: { user: account.username, pass: account.password },
      disableAutoIdle: true,
      connectionTimeout: config.connectionTimeoutMs,
      greetingTimeout: config.connectionTimeoutMs,
      logger: this.#log.isLevelEnabled('debug') ? this.#log.child({ component: 'imapflow' }) : false,
    });
    // imapflow emits 'error' before 'close'; without a listener Node would throw.
    client.on('error', (err: unknown) => this.#log.debug({ err }, 'archive connection error'));
    client.on('close', () => {
      if (this.#session.kind === 'open' && this.#session.client === client) this.#session = { kind: 'closed' };
      if (this.#session.kind === 'closed') this.#deps.slots.release(this);
    });
    try {
      await withDeadline(client, client.connect(), config.connectionTimeoutMs + 1000, `connect ${config.host}:${config.port}`);
      const opened = await withDeadline(client, openArchiveFolder(client, folder), config.responseTimeoutMs, `open ${folder}`);
      this.#session = { kind: 'open', client, ...opened };
      this.#log.info({ path: opened.path, uidValidity: opened.uidValidity }, 'archive folder open');
    } catch (err) {
      client.close();
      this.#session = { kind: 'closed' };
      this.#deps.slots.release(this);
      throw imapError(err, `connect ${config.host}:${config.port}`);
    }
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    if (this.#session.kind !== 'open') return;
    this.#deps.slots.nudge();
    this.#idleTimer = setTimeout(() => void this.#disconnect(), this.#deps.config.idleCloseMs);
    this.#idleTimer.unref();
  }

  async #disconnect(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const session = this.#session;
    this.#session = { kind: 'closed' };
    if (session.kind === 'open') {
      if (session.client.usable) await session.client.logout().catch(() => session.client.close());
      else session.client.close();
    }
    this.#deps.slots.release(this);
  }
}
