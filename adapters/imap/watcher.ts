/**
 * One watched mailbox on its own IMAP connection: connect, select, drain, IDLE; end IDLE
 * and check the link with NOOP every `reIdleMs` (RFC 2177 asks for < 29 minutes) or as
 * soon as the server announces new mail; reconnect with backoff when the connection
 * closes, fails or goes silent. Only lifecycle lives here; the protocol steps are ops/.
 */
import { ImapFlow } from 'imapflow';
import type { ImapConfig } from '../../src/config-email.js';
import type { Logger } from '../../src/logger.js';
import type { MailboxCursorStore, MailboxWatcherStatus, MailProcessor } from '../../src/ports/mailbox-watcher.port.js';
import { imapError } from './imap-error.js';
import { drain } from './ops/drain.js';
import { heartbeat } from './ops/heartbeat.js';
import { openMailbox } from './ops/open-mailbox.js';
import { expectState, publicState, type ImapSession } from './session-state.js';

export interface MailboxWatcherDeps {
  readonly config: ImapConfig & { readonly host: string };
  readonly mailbox: string;
  readonly processor: MailProcessor;
  readonly cursors: MailboxCursorStore;
  readonly log: Logger;
}

/** `user@host/mailbox`: the cursor's key, the same on every node and across restarts. */
export function watcherKey(config: Pick<ImapConfig, 'username'> & { readonly host: string }, mailbox: string): string {
  return `${config.username ?? ''}@${config.host}/${mailbox}`;
}

/** Jittered exponential backoff between `min` and `max`. */
function backoffMs(attempt: number, min: number, max: number): number {
  const base = Math.min(max, min * 2 ** Math.min(attempt, 16));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export class MailboxWatcher {
  readonly key: string;
  readonly #deps: MailboxWatcherDeps;
  readonly #log: Logger;
  #session: ImapSession = { kind: 'stopped' };
  #stopping = false;
  #running: Promise<void> | undefined;
  /** Set by an EXISTS at any time, so mail announced during a drain is not slept through. */
  #newMail = false;
  /** Wakes the current wait (IDLE or backoff) early. */
  #wake: (() => void) | undefined;
  #lastError: string | undefined;

  constructor(deps: MailboxWatcherDeps) {
    this.#deps = deps;
    this.key = watcherKey(deps.config, deps.mailbox);
    this.#log = deps.log.child({ component: 'imap', watcher: this.key });
  }

  status(): MailboxWatcherStatus {
    return { watcher: this.key, state: publicState(this.#session), lastError: this.#lastError };
  }

  /** Starts the loop in the background. Idempotent. */
  start(): void {
    if (this.#running !== undefined) return;
    this.#stopping = false;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  /** Finishes the mail in hand, logs out and resolves. Idempotent. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stopping) {
      this.#session = { kind: 'connecting', attempt };
      const client = this.#client();
      try {
        await this.#serve(client);
        attempt = 0;
      } catch (err) {
        const error = imapError(err, this.key);
        this.#lastError = error.detail;
        if (!this.#stopping) this.#log.warn({ err: error, attempt }, 'mailbox watcher lost its connection; reconnecting');
      } finally {
        await this.#close(client);
      }
      if (this.#stopping) break;
      this.#session = { kind: 'backoff', attempt, lastError: this.#lastError ?? 'connection closed' };
      await this.#sleep(backoffMs(attempt, this.#deps.config.reconnectMinMs, this.#deps.config.reconnectMaxMs));
      attempt += 1;
    }
    this.#session = { kind: 'stopped' };
  }

  #client(): ImapFlow {
    const { config } = this.#deps;
    const client = new ImapFlow({
      host: config.host,
      port: config.port,
      secure: config.secure,
      doSTARTTLS: config.secure ? undefined : config.starttls,
      tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
      auth: { user: config.username ?? '', pass: config.password ?? '' },
      // IDLE is driven here (heartbeat, re-IDLE), not by imapflow's auto-IDLE.
      disableAutoIdle: true,
      connectionTimeout: config.connectionTimeoutMs,
      greetingTimeout: config.connectionTimeoutMs,
      // imapflow logs through pino-like objects; its wire lines are debug (STYLE 12).
      logger: this.#log.isLevelEnabled('debug') ? this.#log.child({ component: 'imapflow' }) : false,
    });
    client.on('exists', () => {
      this.#newMail = true;
      this.#wake?.();
    });
    // imapflow emits 'error' before 'close'; without a listener Node would throw.
    client.on('error', (err: unknown) => this.#log.debug({ err }, 'imap connection error'));
    client.on('close', () => this.#wake?.());
    return client;
  }

  async #serve(client: ImapFlow): Promise<void> {
    const { config, mailbox } = this.#deps;
    try {
      await client.connect();
    } catch (err) {
      throw imapError(err, `connect ${config.host}:${config.port}`);
    }
    const opened = await openMailbox(client, mailbox, config.processedMailbox);
    this.#session = { kind: 'draining', client, ...opened };
    this.#lastError = undefined;
    this.#log.info({ uidValidity: opened.uidValidity, processed: opened.processedPath }, 'watching mailbox');
    while (!this.#stopping) {
      this.#newMail = false;
      await drain(this.#session, {
        watcher: this.key,
        mailbox,
        cursors: this.#deps.cursors,
        processor: this.#deps.processor,
        log: this.#log,
        stopping: () => this.#stopping,
      });
      if (this.#stopping) break;
      if (!this.#newMail) await this.#idle(client);
      if (!client.usable) throw imapError(new Error('connection closed'), this.key);
      // #idle moved the session on; TypeScript cannot see that through the method call.
      const session = this.#session as ImapSession;
      if (session.kind === 'idling') {
        await heartbeat(session, config.responseTimeoutMs);
        this.#session = { kind: 'draining', client: session.client, uidValidity: session.uidValidity, processedPath: session.processedPath };
      }
    }
  }

  /** IDLE until new mail, the re-IDLE time, a closed connection or stop. */
  async #idle(client: ImapFlow): Promise<void> {
    const state = expectState(this.#session, 'draining', 'idle');
    this.#session = { kind: 'idling', client: state.client, uidValidity: state.uidValidity, processedPath: state.processedPath };
    const idling = client.idle().catch((err: unknown) => this.#log.debug({ err }, 'IDLE ended with an error'));
    await this.#sleep(this.#deps.config.reIdleMs);
    // The heartbeat's NOOP ends the IDLE; a closed connection ends it by itself.
    void idling;
  }

  /** Waits `ms`, or less when woken (new mail, close, stop). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
      if (this.#stopping || this.#newMail) done();
    });
  }

  async #close(client: ImapFlow): Promise<void> {
    this.#session = this.#stopping ? { kind: 'stopped' } : this.#session;
    if (!client.usable) {
      client.close();
      return;
    }
    try {
      await client.logout();
    } catch {
      client.close();
    }
  }
}
