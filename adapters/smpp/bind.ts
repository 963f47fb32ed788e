/**
 * One long-lived SMPP bind: connect, bind, keep alive with enquire_link, reconnect with
 * backoff and jitter when the link drops, unbind on stop. Lifecycle only: the protocol
 * operations are in ./ops/. Submits in flight when the link drops fail as retryable.
 */
import smpp from 'smpp';
import type { SmppConnectionConfig } from '../../src/config-smpp.js';
import type { Logger } from '../../src/logger.js';
import type { SmsBindStatus, SmsQueryAnswer, SmsSubmitRequest } from '../../src/ports/sms-gateway.port.js';
import { assertState, sessionOf, type BindState } from './bind-state.js';
import { INBOUND_OPS, OUTBOUND_OPS, type BindMode, type InboundSink, type OpContext, type SubmitAnswer } from './ops/index.js';
import { PendingRequests } from './pending.js';
import { captureRawPdus } from './raw-pdu.js';
import { reconnectDelayMs } from './reconnect-delay.js';
import { smppError } from './smpp-error.js';
import { INBOUND_ERROR_STATUS } from './command-status.js';

/** How long bind and unbind may take before the attempt counts as failed. */
const BIND_TIMEOUT_MS = 10_000;
const UNBIND_TIMEOUT_MS = 2_000;
/**
 * How long a stopping bind keeps its socket open for answers still owed to the SMSC
 * (receipts and MO being stored). An unanswered receipt is one the SMSC may count as
 * delivered or never send again; the database answers in well under this.
 */
const OWED_ANSWERS_WAIT_MS = 10_000;

/** What the bind tells its connection. */
export interface BindEvents {
  /** The bind is bound (again): submits may use it. */
  bound(bind: SmppBind): void;
  /** The bind lost its link or failed to bind; it reconnects by itself. */
  down(bind: SmppBind, reason: { readonly code: string; readonly detail: string; readonly commandStatus?: number | undefined }): void;
  /** Window room freed (a submit settled). */
  released(bind: SmppBind): void;
}

export class SmppBind {
  readonly id: string;
  readonly mode: BindMode;
  readonly #config: SmppConnectionConfig;
  readonly #index: number;
  readonly #parentLog: Logger;
  readonly #events: BindEvents;
  readonly #sink: InboundSink;
  readonly #log: Logger;
  readonly #pending = new PendingRequests();
  /** Answers to the SMSC's deliver_sm / data_sm not written yet. */
  readonly #owed = new Set<Promise<void>>();
  #state: BindState = { kind: 'idle' };
  #since = new Date();
  #attempt = 0;
  #reconnects = 0;
  #inFlight = 0;
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(config: SmppConnectionConfig, mode: BindMode, index: number, events: BindEvents, sink: InboundSink, log: Logger) {
    this.#config = config;
    this.#index = index;
    this.#parentLog = log;
    this.mode = mode;
    this.id = `${config.id}#${index}${mode === 'transceiver' ? '' : mode === 'transmitter' ? 'tx' : 'rx'}`;
    this.#events = events;
    this.#sink = sink;
    this.#log = log.child({ bindId: this.id });
  }

  get state(): BindState['kind'] {
    return this.#state.kind;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether a submit may start here now (bound, may transmit, window not full). */
  canSubmit(windowSize: number): boolean {
    return this.#state.kind === 'bound' && this.mode !== 'receiver' && this.#inFlight < windowSize;
  }

  status(): SmsBindStatus {
    return { id: this.id, mode: this.mode, state: this.#state.kind, inFlight: this.#inFlight, since: this.#since.toISOString(), reconnects: this.#reconnects };
  }

  /** A fresh, idle bind like this one (a stopped bind stays closed for good). */
  recreate(): SmppBind {
    return new SmppBind(this.#config, this.mode, this.#index, this.#events, this.#sink, this.#parentLog);
  }

  /** Starts connecting; returns at once. @throws GW_ERR_SMPP_STATE unless idle. */
  start(): void {
    assertState(this.#state, ['idle'], 'start', this.#context());
    this.#connect();
  }

  /**
   * Sends one part on this bind. The caller reserved window room with {@link reserve}.
   * @throws GW_ERR_SMPP_STATE when not bound; errors of ops/submit-sm.
   */
  async submit(submit: SmsSubmitRequest): Promise<SubmitAnswer> {
    try {
      assertState(this.#state, ['bound'], 'submit_sm', this.#context());
      return await OUTBOUND_OPS.submitSm(this.#ops(this.#state.session), submit, this.#config.submitTimeoutMs);
    } finally {
      this.#inFlight--;
      this.#events.released(this);
    }
  }

  /**
   * Sends one query_sm on this bind.
   * @throws GW_ERR_SMPP_STATE when not bound; errors of ops/query-sm.
   */
  async query(messageId: string): Promise<SmsQueryAnswer | undefined> {
    assertState(this.#state, ['bound'], 'query_sm', this.#context());
    return OUTBOUND_OPS.querySm(this.#ops(this.#state.session), messageId, this.#config.submitTimeoutMs);
  }

  /** Takes one window slot for a submit about to start (synchronously, so no two callers race for it). */
  reserve(): void {
    this.#inFlight++;
  }

  /** Unbinds (politely, briefly) and closes; no reconnect afterwards. Idempotent. */
  async stop(): Promise<void> {
    const state = this.#state;
    this.#stopKeepAlive();
    if (state.kind === 'closed') return;
    if (state.kind === 'backoff') clearTimeout(state.timer);
    this.#state = { kind: 'closed' };
    this.#since = new Date();
    const session = sessionOf(state);
    if (session === undefined) return;
    if (state.kind === 'bound') {
      try {
        await OUTBOUND_OPS.unbind(this.#ops(session), UNBIND_TIMEOUT_MS);
      } catch (err) {
        this.#log.debug({ err }, 'unbind not answered; closing anyway');
      }
    }
    // Receipts and MO the SMSC sent before its unbind_resp are being stored: answer each
    // before closing, or the SMSC counts them as handed over (or never sends them again).
    await this.#answerOwed();
    this.#pending.failAll(smppError('GW_ERR_SMPP_UNAVAILABLE', 'bind stopped', this.#context()));
    // end(), not destroy(): destroy drops what is still in the write buffer, and that is
    // where the answers just written are. The SMSC closes its side once it has read them.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        session.destroy();
        resolve();
      }, 1_000);
      timer.unref();
      session.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #context(): { connectionId: string; bindId: string } {
    return { connectionId: this.#config.id, bindId: this.id };
  }

  #ops(session: smpp.Session): OpContext {
    return {
      session,
      connectionId: this.#config.id,
      bindId: this.id,
      pending: this.#pending,
      log: this.#log,
      inboundErrorStatus: INBOUND_ERROR_STATUS[this.#config.inboundErrorStatus],
      owe: (answered) => {
        this.#owed.add(answered);
        void answered.finally(() => this.#owed.delete(answered));
      },
    };
  }

  /** Waits (bounded) until every owed inbound answer is written. */
  async #answerOwed(): Promise<void> {
    if (this.#owed.size === 0) return;
    const owed = this.#owed.size;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), OWED_ANSWERS_WAIT_MS);
    });
    const outcome = await Promise.race([Promise.allSettled([...this.#owed]).then(() => 'answered' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') this.#log.warn({ owed: this.#owed.size, waitedMs: OWED_ANSWERS_WAIT_MS }, 'closing with inbound PDUs unanswered: the SMSC delivers them again');
    else this.#log.debug({ owed }, 'inbound PDUs answered before closing');
  }

  #setState(state: BindState): void {
    this.#state = state;
    this.#since = new Date();
  }

  #connect(): void {
    const session = smpp.connect({ host: this.#config.host, port: this.#config.port });
    captureRawPdus(session);
    // Small PDUs both ways: without it Nagle holds resps for the peer's delayed ACK.
    session.socket.setNoDelay(true);
    this.#setState({ kind: 'connecting', session });
    session.on('error', (err) => this.#log.debug({ err: err.message }, 'SMPP socket error'));
    session.on('close', () => this.#onClose(session));
    session.on('pdu', (pdu) => this.#onPdu(session, pdu));
    session.once('connect', () => {
      void this.#bind(session);
    });
  }

  async #bind(session: smpp.Session): Promise<void> {
    if (this.#state.kind !== 'connecting' || this.#state.session !== session) return;
    this.#setState({ kind: 'binding', session });
    try {
      await OUTBOUND_OPS.bind(this.#ops(session), this.mode, this.#config, BIND_TIMEOUT_MS);
    } catch (err) {
      const reason = err as { code?: string; detail?: string; meta?: { commandStatus?: number } };
      this.#log.warn({ code: reason.code, detail: reason.detail }, 'SMPP bind failed');
      this.#events.down(this, { code: reason.code ?? 'GW_ERR_SMPP_BIND_FAILED', detail: reason.detail ?? String(err), commandStatus: reason.meta?.commandStatus });
      session.destroy();
      return;
    }
    // Re-read: the socket may have closed (or stop() run) while the bind was in flight.
    const current: BindState = this.#state as BindState;
    if (current.kind !== 'binding' || current.session !== session) return;
    this.#setState({ kind: 'bound', session });
    this.#attempt = 0;
    this.#log.info({ mode: this.mode, host: this.#config.host, port: this.#config.port }, 'SMPP bound');
    this.#startKeepAlive(session);
    this.#events.bound(this);
  }

  #onPdu(session: smpp.Session, pdu: smpp.PDU): void {
    if (pdu.isResponse()) return; // matched to its request by the package's callbacks
    const op = pdu.command === 'unknown' ? undefined : INBOUND_OPS[pdu.command];
    const ctx = this.#ops(session);
    if (op === undefined) {
      // alert_notification has no response; anything else we do not serve gets a nack.
      if (pdu.command !== 'alert_notification') session.send(pdu.response({ command_status: smpp.ESME_RINVCMDID }));
      return;
    }
    op(ctx, pdu, this.#sink);
    if (pdu.command === 'unbind') {
      this.#log.info({}, 'SMSC unbound us; reconnecting');
      if (this.#state.kind === 'bound' && this.#state.session === session) this.#setState({ kind: 'unbinding', session });
      session.close();
    }
  }

  #startKeepAlive(session: smpp.Session): void {
    this.#stopKeepAlive();
    const period = this.#config.enquireLinkMs;
    this.#keepAlive = setInterval(() => {
      if (this.#state.kind !== 'bound' || this.#state.session !== session) return;
      OUTBOUND_OPS.enquireLink(this.#ops(session), Math.min(period, 10_000)).catch((err: unknown) => {
        // The socket closed under the probe (after an earlier timeout, or the SMSC went):
        // the close handler reconnects; nothing to warn about twice.
        if ((err as { code?: string }).code === 'GW_ERR_SMPP_STATE' || this.#state.kind !== 'bound' || this.#state.session !== session) {
          this.#log.debug({ err }, 'enquire_link on a closing bind');
          return;
        }
        this.#log.warn({ err }, 'enquire_link unanswered: recycling the bind');
        this.#stopKeepAlive();
        session.destroy();
      });
    }, period);
    this.#keepAlive.unref();
  }

  #stopKeepAlive(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #onClose(session: smpp.Session): void {
    if (sessionOf(this.#state) !== session) return; // an old socket, already replaced
    this.#stopKeepAlive();
    const wasBound = this.#state.kind === 'bound' || this.#state.kind === 'unbinding';
    const lost = smppError('GW_ERR_SMPP_SUBMIT_FAILED', 'bind lost with the request in flight', this.#context());
    this.#pending.failAll(lost);
    // A refused bind reported itself already; a socket that never connected has not.
    if (wasBound) this.#events.down(this, { code: lost.code, detail: 'connection closed' });
    if (this.#state.kind === 'connecting') {
      this.#events.down(this, { code: 'GW_ERR_SMPP_UNAVAILABLE', detail: `cannot connect to ${this.#config.host}:${this.#config.port}` });
    }
    const attempt = this.#attempt++;
    const delay = reconnectDelayMs(attempt, this.#config.reconnect.minMs, this.#config.reconnect.maxMs);
    this.#reconnects++;
    this.#log.info({ attempt: attempt + 1, delayMs: delay }, 'SMPP link down; reconnecting after a delay');
    const timer = setTimeout(() => {
      if (this.#state.kind !== 'backoff') return;
      this.#connect();
    }, delay);
    this.#setState({ kind: 'backoff', attempt, timer });
  }
}
