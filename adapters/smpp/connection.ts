/**
 * One SMSC connection: its binds (N transceivers, or N transmitter+receiver pairs), the
 * window per bind, the token-bucket throughput cap shared by them, and the throttle
 * handling: ESME_RTHROTTLED / ESME_RMSGQFUL halve the rate and the part is offered again
 * after a pause (the SMSC did not take it, so this cannot duplicate it); only when the
 * SMSC keeps refusing for a whole submit timeout does the job get a retryable error.
 */
import type { SmppConnectionConfig } from '../../src/config-smpp.js';
import type { Logger } from '../../src/logger.js';
import type { SmsConnectionStatus, SmsQueryAnswer, SmsSubmitRequest, SmsSubmitResult } from '../../src/ports/sms-gateway.port.js';
import { SmppBind, type BindEvents } from './bind.js';
import { statusClass } from './command-status.js';
import type { InboundSink } from './ops/index.js';
import { smppError } from './smpp-error.js';
import { TokenBucket } from './token-bucket.js';

/** First pause after a throttle; doubles per repeat, capped. */
const THROTTLE_PAUSE_MS = 100;
const THROTTLE_PAUSE_CAP_MS = 2_000;

type LastError = NonNullable<SmsConnectionStatus['lastError']>;

export class SmppConnection {
  readonly id: string;
  readonly #config: SmppConnectionConfig;
  readonly #log: Logger;
  readonly #binds: SmppBind[] = [];
  readonly #bucket: TokenBucket;
  /** Submits waiting for a bind or window room; each leaves when woken or when its wait runs out. */
  readonly #waiters = new Set<() => void>();
  #enabled = true;
  #started = false;
  #submitted = 0;
  #throttled = 0;
  #lastError: LastError | undefined;

  constructor(config: SmppConnectionConfig, sink: InboundSink, log: Logger) {
    this.id = config.id;
    this.#config = config;
    this.#log = log.child({ connectionId: config.id });
    this.#bucket = new TokenBucket(config.maxPerSecond);
    const events: BindEvents = {
      bound: () => this.#wake(),
      released: () => this.#wake(),
      down: (_bind, reason) => {
        this.#lastError = { at: new Date().toISOString(), code: reason.code, detail: reason.detail, commandStatus: reason.commandStatus };
      },
    };
    for (let i = 1; i <= config.binds; i++) {
      if (config.bindMode === 'transceiver') {
        this.#binds.push(new SmppBind(config, 'transceiver', i, events, sink, this.#log));
      } else {
        this.#binds.push(new SmppBind(config, 'transmitter', i, events, sink, this.#log));
        this.#binds.push(new SmppBind(config, 'receiver', i, events, sink, this.#log));
      }
    }
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  start(): void {
    if (this.#started || !this.#enabled) return;
    this.#started = true;
    for (const bind of this.#binds) bind.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all(this.#binds.map((bind) => bind.stop()));
    this.#wake();
  }

  /** Turns the connection off (binds closed, submits refused as unavailable) or on. */
  async setEnabled(enabled: boolean): Promise<void> {
    if (enabled === this.#enabled) return;
    this.#enabled = enabled;
    this.#log.info({ enabled }, enabled ? 'SMPP connection enabled' : 'SMPP connection disabled');
    if (!enabled) {
      await this.stop();
      return;
    }
    // Stopped binds are closed for good: build fresh ones by restarting the connection.
    this.#rebuildBinds();
    this.start();
  }

  /**
   * Sends one part: waits for throughput and window room, then submit_sm.
   * @throws see SmsGateway.submit.
   */
  async submit(request: SmsSubmitRequest): Promise<SmsSubmitResult> {
    const context = { connectionId: this.id, pdu: 'submit_sm' };
    const started = Date.now();
    for (let round = 0; ; round++) {
      if (!this.#enabled) throw smppError('GW_ERR_SMPP_UNAVAILABLE', `connection ${this.id} is disabled`, { ...context, meta: { retryAfterMs: 30_000 } });
      const deadline = Date.now() + this.#config.submitTimeoutMs;
      if (!(await this.#bucket.take(deadline))) {
        throw smppError('GW_ERR_SMPP_THROTTLED', `throughput cap of ${this.id} leaves no room in time`, { ...context, meta: { retryAfterMs: 1_000 } });
      }
      const bind = await this.#acquire(deadline);
      let answer: Awaited<ReturnType<SmppBind['submit']>>;
      try {
        answer = await bind.submit(request);
      } catch (err) {
        const failed = err as { code?: string; detail?: string };
        this.#lastError = { at: new Date().toISOString(), code: failed.code ?? 'submit_sm', detail: failed.detail ?? String(err) };
        throw err;
      }
      const verdict = statusClass(answer.status);
      if (verdict === 'ok') {
        this.#submitted++;
        return { messageId: answer.messageId, bindId: bind.id };
      }
      const failure = { ...context, bindId: bind.id, commandStatus: answer.status };
      this.#lastError = { at: new Date().toISOString(), code: 'submit_sm', detail: `command_status 0x${answer.status.toString(16)}`, commandStatus: answer.status };
      if (verdict === 'throttle') {
        this.#throttled++;
        this.#bucket.penalise();
        const pause = Math.min(THROTTLE_PAUSE_CAP_MS, THROTTLE_PAUSE_MS * 2 ** Math.min(round, 10));
        if (Date.now() - started + pause > this.#config.submitTimeoutMs) {
          throw smppError('GW_ERR_SMPP_THROTTLED', 'SMSC kept refusing for a whole submit timeout', { ...failure, meta: { retryAfterMs: THROTTLE_PAUSE_CAP_MS * 2 } });
        }
        this.#log.debug({ status: answer.status, pauseMs: pause, rate: this.#bucket.currentPerSecond }, 'SMSC throttled: slowing down and offering the part again');
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      if (verdict === 'permanent') throw smppError('GW_ERR_SMPP_SUBMIT_REJECTED', 'submit_sm refused', failure);
      throw smppError('GW_ERR_SMPP_SUBMIT_FAILED', 'submit_sm failed', failure);
    }
  }

  /**
   * query_sm on a bound transmitting bind (query_sm is a transmitter operation, §2.3).
   * @throws GW_ERR_SMPP_UNAVAILABLE when none is bound; see SmsGateway.query.
   */
  async query(messageId: string): Promise<SmsQueryAnswer | undefined> {
    const bind = this.#binds.find((candidate) => candidate.state === 'bound' && candidate.mode !== 'receiver');
    if (!this.#enabled || bind === undefined) throw smppError('GW_ERR_SMPP_UNAVAILABLE', `no bind of ${this.id} is up for query_sm`, { connectionId: this.id, pdu: 'query_sm' });
    return bind.query(messageId);
  }

  status(): SmsConnectionStatus {
    const binds = this.#binds.map((bind) => bind.status());
    const transmitting = this.#binds.filter((bind) => bind.mode !== 'receiver');
    const bound = binds.filter((bind) => bind.state === 'bound').length;
    const state = !this.#enabled ? 'disabled' : bound === 0 ? 'down' : bound === binds.length ? 'up' : 'degraded';
    return {
      id: this.id,
      enabled: this.#enabled,
      state,
      binds,
      window: { inFlight: transmitting.reduce((sum, bind) => sum + bind.inFlight, 0), capacity: transmitting.length * this.#config.windowSize },
      throughput: {
        maxPerSecond: this.#bucket.maxPerSecond,
        currentPerSecond: Math.round(this.#bucket.currentPerSecond * 100) / 100,
        submitted: this.#submitted,
        throttled: this.#throttled,
      },
      lastError: this.#lastError,
    };
  }

  /** A bound transmitting bind with window room (least loaded), waiting until `deadline`. */
  async #acquire(deadline: number): Promise<SmppBind> {
    for (;;) {
      let best: SmppBind | undefined;
      for (const bind of this.#binds) {
        if (bind.canSubmit(this.#config.windowSize) && (best === undefined || bind.inFlight < best.inFlight)) best = bind;
      }
      if (best !== undefined) {
        best.reserve();
        return best;
      }
      const left = deadline - Date.now();
      if (left <= 0 || !this.#enabled) {
        const anyBound = this.#binds.some((bind) => bind.state === 'bound' && bind.mode !== 'receiver');
        throw smppError('GW_ERR_SMPP_UNAVAILABLE', anyBound ? `window of ${this.id} full for too long` : `no bind of ${this.id} is up`, {
          connectionId: this.id,
          pdu: 'submit_sm',
          meta: { retryAfterMs: Math.max(this.#config.reconnect.minMs, 1_000) },
        });
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          resolve();
        };
        // A wait that runs out removes itself: during a long SMSC outage nothing wakes the
        // waiters (no bind comes up), and every retried submit would leave one behind.
        const timer = setTimeout(() => {
          this.#waiters.delete(wake);
          resolve();
        }, left);
        this.#waiters.add(wake);
      });
    }
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  #rebuildBinds(): void {
    for (const old of this.#binds.splice(0)) this.#binds.push(old.recreate());
  }
}
