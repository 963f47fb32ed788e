/**
 * Herald's SMSC simulator: an SMPP 3.4 SMSC on the `smpp` package's server side, for the
 * integration tests, the `herald-smsc-sim` command and the README's first message.
 *
 * It checks credentials, answers submit_sm / data_sm with message ids in a chosen format,
 * sends delivery receipts (TLVs and/or text, in the variants real SMSCs use, optionally
 * before the submit_sm_resp), throttles, fills its queue, drops connections and refuses
 * binds for a while, injects mobile-originated messages, and records every accepted
 * submit with its octets decoded by Herald's own codecs, counting duplicates so a test can
 * assert that nothing was submitted twice.
 *
 * It behaves as real SMSCs do where Herald must cope: it checks every PDU it receives
 * against the SMPP 3.4 lengths (pdu-lengths.ts; a malformed one is recorded in `malformed`
 * and drops the bind), retries a refused receipt or MO part only as configured (`retry`:
 * after ESME_RMSGQFUL/ESME_RTHROTTLED only, after any error, or never), may lose receipts
 * (`receipts.lose`) and answer query_sm for them, may send receipts while the ESME
 * unbinds (`receipts.holdUntilUnbind`), and can restart and issue the same ids again
 * (`restart`).
 *
 * Speed: several thousand submits per second on loopback; nothing is logged per PDU
 * unless `trace` is set.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import smpp from 'smpp';
import { decodeSmsText, parseUdh, planSms, udhLength } from '../../src/codecs/sms-segments.js';
import { checkPdu, commandName } from './pdu-lengths.js';
import { captureRawPdus, parseRawSm, rawBodyOf } from './raw-pdu.js';
import { MESSAGE_STATE, receiptPdu } from './receipt-pdu.js';
import type {
  BindEvent,
  BindMode,
  MalformedPdu,
  MessageIdFormat,
  MoMessage,
  ReceiptDecision,
  ReceiptFormat,
  ReceiptRecord,
  RetryMode,
  SimReceiptStat,
  SmscCounters,
  SmscSimulatorEvents,
  SmscSimulatorOptions,
  SubmitRecord,
} from './smsc-sim-types.js';

export type * from './smsc-sim-types.js';

interface SimSession {
  readonly id: number;
  readonly session: smpp.Session;
  systemId?: string;
  mode?: BindMode;
  /** Set once a drop is decided: further submits are discarded. */
  dropping: boolean;
  /** Receipts sent on this session and not yet acknowledged: re-queued if it closes. */
  readonly unacked: Set<PendingReceipt>;
}

interface PendingReceipt {
  readonly systemId: string;
  readonly preferSession: number;
  /** Send to a session other than this one when any is bound (receipts.route 'other-session'). */
  readonly avoidSession?: number;
  readonly command: 'deliver_sm' | 'data_sm';
  readonly pdu: smpp.PduFields;
  readonly record: ReceiptRecord;
}

/** Why a deliver_sm did not end with ESME_ROK: its status, no answer in time, or a malformed answer. */
type Refusal = { readonly status: number } | 'no-answer' | 'malformed';

/** ESME_RQUERYFAIL: query_sm for an id the SMSC does not know. */
const ESME_RQUERYFAIL = 0x67;
/** How long an MO part is offered again before the simulator gives up on it. */
const MO_RETRY_GIVE_UP_MS = 120_000;

const TLV_MESSAGE_PAYLOAD = 0x0424;
const TLV_SAR_REF = 0x020c;
const TLV_SAR_TOTAL = 0x020e;
const TLV_SAR_SEQ = 0x020f;

/** A deliver_sm_resp / data_sm_resp that broke SMPP 3.4 (see pdu-lengths.ts). */
class MalformedAnswer extends Error {}

function isBindCommand(command: string): command is 'bind_transmitter' | 'bind_receiver' | 'bind_transceiver' {
  return command === 'bind_transmitter' || command === 'bind_receiver' || command === 'bind_transceiver';
}

/** An SMPP 3.4 SMSC for tests and demos. */
export class SmscSimulator extends EventEmitter<SmscSimulatorEvents> {
  readonly counters: SmscCounters = {
    connections: 0,
    binds: 0,
    bindFailures: 0,
    unbinds: 0,
    enquireLinks: 0,
    submitsReceived: 0,
    submitsAccepted: 0,
    throttled: 0,
    queueFull: 0,
    discarded: 0,
    drops: 0,
    duplicates: 0,
    receiptsSent: 0,
    receiptsAcked: 0,
    moPartsSent: 0,
    inboundRefused: 0,
    lost: 0,
    receiptsLostBySmsc: 0,
    querySms: 0,
    restarts: 0,
  };
  /** Every PDU received that SMPP 3.4 does not allow; a test asserts it stays empty. */
  readonly malformed: MalformedPdu[] = [];
  /** The command_status of every error answer to a receipt or MO part, in order. */
  readonly refusals: number[] = [];
  /** Every accepted submit, in order. */
  readonly submits: SubmitRecord[] = [];
  /** Every receipt sent or queued, in order. */
  readonly receipts: ReceiptRecord[] = [];

  private readonly options: SmscSimulatorOptions;
  private readonly server: smpp.Server;
  private readonly sessions = new Map<number, SimSession>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly seen = new Set<string>();
  private readonly pendingReceipts: PendingReceipt[] = [];
  /** Receipts kept for the next unbind (receipts.holdUntilUnbind). */
  private readonly heldForUnbind: PendingReceipt[] = [];
  /** Each message's state as query_sm reports it, by submit_sm_resp id. */
  private readonly states = new Map<string, { stat: SimReceiptStat; err: number; doneAt: Date | undefined }>();
  private readonly malformedPdus = new WeakSet<smpp.PDU>();
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private nextSessionId = 1;
  private nextMessageId: number;
  private acceptedSinceDrop = 0;
  private dropArmed: boolean;
  private refuseBindsUntil = 0;
  private rateWindowStart = 0;
  private rateWindowCount = 0;
  private listeningPort: number | undefined;

  constructor(options: SmscSimulatorOptions = {}) {
    super();
    this.options = options;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => undefined);
    this.nextMessageId = options.firstMessageId ?? 0x10000000;
    this.dropArmed = options.drop !== undefined;
    this.server = smpp.createServer({}, (session) => this.onSession(session));
    this.server.on('error', (error) => this.log(`server error: ${error.message}`));
  }

  /** Listens and resolves the port (the chosen one when `port` is 0). */
  async start(): Promise<number> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listeningPort = (this.server.address() as AddressInfo).port;
    this.log(`SMSC simulator listening on ${host}:${this.listeningPort}`);
    return this.listeningPort;
  }

  /** The listening port, once started. */
  get port(): number | undefined {
    return this.listeningPort;
  }

  /** Closes every connection and the listener; pending timers are cancelled. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const sim of this.sessions.values()) sim.session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.log('SMSC simulator stopped');
  }

  /** Bound sessions, for assertions. */
  boundSessions(): Array<{ readonly id: number; readonly systemId: string; readonly mode: BindMode }> {
    const out: Array<{ id: number; systemId: string; mode: BindMode }> = [];
    for (const sim of this.sessions.values()) {
      if (sim.systemId !== undefined && sim.mode !== undefined) out.push({ id: sim.id, systemId: sim.systemId, mode: sim.mode });
    }
    return out;
  }

  /** Destroys every connection now (or those of one system_id), as a network failure would. */
  dropConnections(systemId?: string): void {
    for (const sim of this.sessions.values()) {
      if (systemId !== undefined && sim.systemId !== systemId) continue;
      this.dropSession(sim);
    }
  }

  /** Answers every bind with ESME_RBINDFAIL for `ms` from now. */
  refuseBinds(ms: number): void {
    this.refuseBindsUntil = Date.now() + ms;
  }

  /** Forgets records and duplicate history (counters stay). */
  clearRecords(): void {
    this.submits.length = 0;
    this.receipts.length = 0;
    this.seen.clear();
  }

  /**
   * Restarts as an SMSC does: every session closes at once, receipts not yet delivered
   * are lost (they were in memory), and with `reuseIds` the id counter starts again at
   * `firstMessageId`, so new submits get ids older messages already had.
   */
  restart(options: { readonly reuseIds?: boolean } = {}): void {
    this.counters.restarts++;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.counters.receiptsLostBySmsc += this.pendingReceipts.length + this.heldForUnbind.length;
    this.pendingReceipts.length = 0;
    this.heldForUnbind.length = 0;
    for (const sim of this.sessions.values()) {
      sim.unacked.clear();
      sim.session.destroy();
    }
    if (options.reuseIds !== false) this.nextMessageId = this.options.firstMessageId ?? 0x10000000;
    this.log('SMSC simulator restarted');
  }

  /** Receipts waiting for a receiver to bind. */
  get pendingReceiptCount(): number {
    return this.pendingReceipts.length;
  }

  /**
   * Sends a mobile-originated message to a bound receiver/transceiver, split and encoded
   * by Herald's planner (UDH 8/16-bit, SAR, message_payload; GSM 03.38 or UCS-2).
   * Resolves the command_status of each deliver_sm_resp, in sending order.
   */
  async injectMo(mo: MoMessage): Promise<number[]> {
    const target = this.receiverFor(mo.systemId);
    if (target === undefined) throw new Error(`no receiver bound${mo.systemId === undefined ? '' : ` for ${mo.systemId}`}`);
    const plan = planSms(mo.text, {
      segmentation: mo.segmentation ?? 'udh8',
      ...(mo.encoding === undefined ? {} : { encoding: mo.encoding }),
      ...(mo.reference === undefined ? {} : { reference: mo.reference }),
    });
    const parts = mo.reverse === true ? [...plan.parts].reverse() : plan.parts;
    return Promise.all(
      parts.map((part) =>
        this.deliverMoPart(target, mo.systemId, {
          source_addr_ton: 1,
          source_addr_npi: 1,
          source_addr: mo.source,
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: mo.destination,
          esm_class: part.esmClass,
          data_coding: part.dataCoding,
          short_message: part.shortMessage,
          ...(part.tlvs?.sarMsgRefNum === undefined
            ? {}
            : { sar_msg_ref_num: part.tlvs.sarMsgRefNum, sar_total_segments: part.tlvs.sarTotalSegments, sar_segment_seqnum: part.tlvs.sarSegmentSeqnum }),
          ...(part.tlvs?.messagePayload === undefined ? {} : { message_payload: part.tlvs.messagePayload }),
        }).then((status) => {
          this.counters.moPartsSent++;
          return status;
        }),
      ),
    );
  }

  /**
   * Sends one MO part and, as the retry mode says, offers it again after a refusal (on
   * whichever receiver is bound then). Resolves the last command_status.
   */
  private async deliverMoPart(first: SimSession, systemId: string | undefined, fields: smpp.PduFields): Promise<number> {
    const giveUp = Date.now() + MO_RETRY_GIVE_UP_MS;
    let target: SimSession | undefined = first;
    for (;;) {
      let refusal: Refusal | undefined;
      let status = -1;
      if (target === undefined) {
        refusal = 'no-answer';
      } else if (this.retryPolicy().on === 'never') {
        status = await this.sendDeliverSm(target, fields);
        if (status !== smpp.ESME_ROK) {
          this.counters.inboundRefused++;
          this.counters.lost++;
        }
        return status;
      } else {
        try {
          status = await this.sendDeliverSm(target, fields);
          if (status === smpp.ESME_ROK) return status;
          refusal = { status };
          this.refusals.push(status);
        } catch (err) {
          refusal = err instanceof MalformedAnswer ? 'malformed' : 'no-answer';
        }
        this.counters.inboundRefused++;
      }
      if (!this.retries(refusal) || Date.now() > giveUp) {
        this.counters.lost++;
        return status;
      }
      await new Promise((resolve) => setTimeout(resolve, this.retryPolicy().afterMs));
      target = this.receiverFor(systemId);
    }
  }

  /** Sends any deliver_sm to a bound receiver; resolves the resp's command_status. */
  async injectDeliverSm(fields: smpp.PduFields, systemId?: string): Promise<number> {
    const target = this.receiverFor(systemId);
    if (target === undefined) throw new Error('no receiver bound');
    return this.sendDeliverSm(target, fields);
  }

  /**
   * Sends a receipt for any id (known or not) now, in a given format: for "unknown id"
   * and "late receipt" tests.
   */
  async injectReceipt(receipt: {
    readonly messageId: string;
    readonly stat: SimReceiptStat;
    readonly err?: number;
    readonly format?: ReceiptFormat;
    readonly source?: string;
    readonly destination?: string;
    readonly text?: string;
    readonly systemId?: string;
  }): Promise<number> {
    const target = this.receiverFor(receipt.systemId);
    if (target === undefined) throw new Error('no receiver bound');
    const err = receipt.err ?? 0;
    const format = receipt.format ?? 'standard';
    const pdu = receiptPdu(receipt.messageId, receipt.stat, err, format, receipt.source ?? '', receipt.destination ?? '', receipt.text ?? '', new Date());
    const record: ReceiptRecord = { messageId: receipt.messageId, stat: receipt.stat, err, format, sessionId: target.id };
    this.receipts.push(record);
    this.counters.receiptsSent++;
    const status = await this.sendDeliverSm(target, pdu);
    record.status = status;
    if (status === smpp.ESME_ROK) this.counters.receiptsAcked++;
    return status;
  }

  // ── connection handling ──────────────────────────────────────────────────────────────

  private onSession(session: smpp.Session): void {
    captureRawPdus(session);
    session.socket.setNoDelay(true);
    const sim: SimSession = { id: this.nextSessionId++, session, dropping: false, unacked: new Set() };
    this.sessions.set(sim.id, sim);
    this.counters.connections++;
    session.on('error', () => undefined); // resets are normal here; 'close' follows
    session.on('close', () => {
      this.sessions.delete(sim.id);
      // Like a real SMSC, keep a receipt nobody acknowledged and deliver it again later.
      if (sim.unacked.size > 0) {
        if (this.options.receipts?.unanswered === 'lost') {
          this.counters.lost += sim.unacked.size;
          for (const pending of sim.unacked) pending.record.lost = true;
        } else {
          this.pendingReceipts.push(...sim.unacked);
        }
        sim.unacked.clear();
        this.flushPendingReceipts();
      }
      this.emit('close', { sessionId: sim.id });
    });
    session.on('pdu', (pdu) => this.onPdu(sim, pdu));
  }

  private onPdu(sim: SimSession, pdu: smpp.PDU): void {
    if (this.options.trace === true) this.log(`session ${sim.id} ← ${pdu.command} seq=${pdu.sequence_number} status=${pdu.command_status}`);
    if (this.isMalformed(sim, pdu)) return;
    const command = pdu.command;
    if (isBindCommand(command)) return this.onBind(sim, pdu, command);
    switch (command) {
      case 'enquire_link':
        this.counters.enquireLinks++;
        if (this.options.ignoreEnquireLink !== true) this.reply(sim, pdu.response());
        return;
      case 'unbind': {
        this.counters.unbinds++;
        this.emit('unbind', { sessionId: sim.id, systemId: sim.systemId });
        const released = this.releaseHeldReceipts(sim);
        this.later(released > 0 ? (this.options.unbindRespDelayMs ?? 50) : 0, () => {
          sim.mode = undefined;
          this.reply(sim, pdu.response());
          this.closeWhenAnswered(sim);
        });
        return;
      }
      case 'query_sm':
        this.onQuery(sim, pdu);
        return;
      case 'submit_sm':
      case 'data_sm':
        this.onSubmit(sim, pdu, command);
        return;
      case 'unknown':
        this.reply(sim, pdu.response());
        return;
      default:
        // Responses (deliver_sm_resp, enquire_link_resp) are handled by their callbacks;
        // other requests get the right *_resp with an error.
        if (!pdu.isResponse()) this.reply(sim, pdu.response({ command_status: smpp.ESME_RINVCMDID }));
    }
  }

  /** Checks the PDU's octets (pdu-lengths.ts); a malformed one is recorded and, by default, drops the bind. */
  private isMalformed(sim: SimSession, pdu: smpp.PDU): boolean {
    const raw = rawBodyOf(pdu);
    if (raw === undefined) return false;
    const defect = checkPdu(raw.length + 4, raw);
    if (defect === undefined) return false;
    const malformed: MalformedPdu = { sessionId: sim.id, command: commandName(raw.readUInt32BE(0)), defect, hex: raw.toString('hex') };
    this.malformed.push(malformed);
    this.malformedPdus.add(pdu);
    this.log(`malformed PDU on session ${sim.id}: ${defect}`);
    this.emit('malformed', malformed);
    if ((this.options.onMalformed ?? 'drop-bind') === 'drop-bind') {
      // A response still reaches its callback (which sees it as malformed); the bind goes.
      setImmediate(() => this.dropSession(sim));
      return !pdu.isResponse();
    }
    return false;
  }

  /** query_sm (SMPP 3.4 §4.8): the state of a message by its submit_sm_resp id. */
  private onQuery(sim: SimSession, pdu: smpp.PDU): void {
    this.counters.querySms++;
    const messageId = pdu.message_id ?? '';
    const state = this.states.get(messageId);
    if (state === undefined) {
      this.reply(sim, pdu.response({ command_status: ESME_RQUERYFAIL }));
      return;
    }
    this.reply(
      sim,
      pdu.response({ message_id: messageId, final_date: state.doneAt ?? '', message_state: MESSAGE_STATE[state.stat], error_code: state.err & 0xff }),
    );
  }

  /** Sends the receipts held for an unbind on the unbinding session; returns how many. */
  private releaseHeldReceipts(sim: SimSession): number {
    let released = 0;
    let kept = 0;
    for (const pending of this.heldForUnbind) {
      if (pending.systemId === sim.systemId && sim.mode !== undefined && sim.mode !== 'transmitter') {
        this.deliverOn(sim, pending);
        released++;
      } else {
        this.heldForUnbind[kept++] = pending;
      }
    }
    this.heldForUnbind.length = kept;
    return released;
  }

  /** Closes a session once its receipts are answered (or the answer timeout passed). */
  private closeWhenAnswered(sim: SimSession): void {
    const deadline = Date.now() + (this.options.moResponseTimeoutMs ?? 5000);
    const check = (): void => {
      if (sim.unacked.size === 0 || Date.now() >= deadline) {
        sim.session.close();
        return;
      }
      this.later(20, check);
    };
    check();
  }

  private onBind(sim: SimSession, pdu: smpp.PDU, command: 'bind_transmitter' | 'bind_receiver' | 'bind_transceiver'): void {
    const mode: BindMode = command === 'bind_transmitter' ? 'transmitter' : command === 'bind_receiver' ? 'receiver' : 'transceiver';
    const systemId = pdu.system_id ?? '';
    const accounts = this.options.accounts ?? [{ systemId: 'herald', password: 'secret' }];
    const account = accounts.find((candidate) => candidate.systemId === systemId);
    let status = smpp.ESME_ROK;
    if (sim.mode !== undefined) status = smpp.ESME_RALYBND;
    else if (Date.now() < this.refuseBindsUntil) status = smpp.ESME_RBINDFAIL;
    else if (account === undefined) status = smpp.ESME_RINVSYSID;
    else if (account.password !== (pdu.password ?? '')) status = smpp.ESME_RINVPASWD;
    const event: BindEvent = { sessionId: sim.id, systemId, mode, status };
    if (status !== smpp.ESME_ROK) {
      this.counters.bindFailures++;
      this.reply(sim, pdu.response({ command_status: status }));
      this.log(`bind ${mode} ${systemId} refused: 0x${status.toString(16)}`);
      this.emit('bind-failed', event);
      return;
    }
    sim.systemId = systemId;
    sim.mode = mode;
    this.counters.binds++;
    this.reply(sim, pdu.response({ system_id: this.options.smscSystemId ?? 'herald-sim' }));
    this.log(`bound ${mode} ${systemId} (session ${sim.id})`);
    this.emit('bind', event);
    if (mode !== 'transmitter') this.flushPendingReceipts();
  }

  private reply(sim: SimSession, pdu: smpp.PDU, sent?: () => void): void {
    if (this.options.trace === true) this.log(`session ${sim.id} → ${pdu.command} seq=${pdu.sequence_number} status=${pdu.command_status}`);
    sim.session.send(pdu, undefined, sent === undefined ? undefined : () => sent());
  }

  private dropSession(sim: SimSession): void {
    sim.dropping = true;
    this.counters.drops++;
    this.log(`dropping session ${sim.id} (${sim.systemId ?? 'unbound'})`);
    this.emit('drop', { sessionId: sim.id, systemId: sim.systemId });
    // FIN, not RST: destroying a socket with submits still unread in its receive buffer
    // makes the kernel reset the connection, and the ESME's kernel then throws away resps
    // it had received but not read yet, turning submits this SMSC answered into ambiguous
    // ones (a busy ESME reads late, so tests flaked under load). Submits still arriving are
    // discarded (sim.dropping); the socket goes once the ESME closes its side, or after 2 s.
    sim.session.socket.end();
    setTimeout(() => sim.session.destroy(), 2_000).unref();
  }

  // ── submits ──────────────────────────────────────────────────────────────────────────

  private rejectionStatus(): number | undefined {
    const { throttle, queueFull } = this.options;
    const n = this.counters.submitsReceived;
    if (throttle !== undefined) {
      if (throttle.everyNth !== undefined && throttle.everyNth > 0 && n % throttle.everyNth === 0) return smpp.ESME_RTHROTTLED;
      if (throttle.ratio !== undefined && this.random() < throttle.ratio) return smpp.ESME_RTHROTTLED;
      if (throttle.maxPerSecond !== undefined) {
        const now = Date.now();
        if (now - this.rateWindowStart >= 1000) {
          this.rateWindowStart = now;
          this.rateWindowCount = 0;
        }
        if (this.rateWindowCount >= throttle.maxPerSecond) return smpp.ESME_RTHROTTLED;
        this.rateWindowCount++;
      }
    }
    if (queueFull !== undefined) {
      if (queueFull.everyNth !== undefined && queueFull.everyNth > 0 && n % queueFull.everyNth === 0) return smpp.ESME_RMSGQFUL;
      if (queueFull.ratio !== undefined && this.random() < queueFull.ratio) return smpp.ESME_RMSGQFUL;
    }
    return undefined;
  }

  private formatId(n: number, format: MessageIdFormat, uuid: () => string): string {
    if (format === 'hex') return n.toString(16).toUpperCase().padStart(8, '0');
    if (format === 'uuid') return uuid();
    return String(n);
  }

  private onSubmit(sim: SimSession, pdu: smpp.PDU, command: 'submit_sm' | 'data_sm'): void {
    if (sim.dropping) {
      this.counters.discarded++;
      return;
    }
    if (sim.mode !== 'transmitter' && sim.mode !== 'transceiver') {
      this.reply(sim, pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    this.counters.submitsReceived++;
    const rejection = this.rejectionStatus();
    if (rejection !== undefined) {
      if (rejection === smpp.ESME_RTHROTTLED) this.counters.throttled++;
      else this.counters.queueFull++;
      this.reply(sim, pdu.response({ command_status: rejection }));
      this.emit('throttled', { sessionId: sim.id, status: rejection });
      return;
    }

    const record = this.record(sim, pdu, command);
    this.emit('submit', record);

    let dropBeforeResp = false;
    let dropAfterResp = false;
    const drop = this.options.drop;
    if (drop !== undefined && this.dropArmed && ++this.acceptedSinceDrop >= drop.afterSubmits) {
      this.acceptedSinceDrop = 0;
      this.dropArmed = drop.repeat === true;
      if (drop.refuseBindsMs !== undefined) this.refuseBinds(drop.refuseBindsMs);
      sim.dropping = true;
      if (drop.beforeResp === true) dropBeforeResp = true;
      else dropAfterResp = true;
    }

    const respond = (): void => {
      if (dropBeforeResp) {
        this.dropSession(sim);
        return;
      }
      const resp = pdu.response({ message_id: record.messageId });
      if (dropAfterResp) this.reply(sim, resp, () => this.dropSession(sim));
      else this.reply(sim, resp);
    };

    const receipts = this.options.receipts;
    const decision = this.receiptDecision(record);
    this.states.set(record.messageId, { stat: 'ENROUTE', err: 0, doneAt: undefined });
    if (decision !== undefined && receipts?.beforeResp === true) {
      this.sendReceiptFor(sim, record, decision);
      this.later(receipts.beforeRespGapMs ?? 20, respond);
    } else {
      const respDelay = this.options.respDelayMs ?? 0;
      if (respDelay > 0) this.later(respDelay, respond);
      else respond();
      if (decision !== undefined) {
        const delay = decision.delayMs ?? receipts?.delayMs ?? 0;
        this.later(delay, () => this.sendReceiptFor(sim, record, decision));
      }
    }
  }

  private record(sim: SimSession, pdu: smpp.PDU, command: 'submit_sm' | 'data_sm'): SubmitRecord {
    const raw = rawBodyOf(pdu);
    const fields = raw === undefined ? undefined : parseRawSm(raw);
    const esmClass = pdu.esm_class ?? 0;
    const dataCoding = pdu.data_coding ?? 0;
    const payload = fields?.tlvs.get(TLV_MESSAGE_PAYLOAD);
    const bytes = fields === undefined ? Buffer.alloc(0) : fields.shortMessage.length > 0 || payload === undefined ? fields.shortMessage : payload;
    const udhi = (esmClass & 0x40) !== 0;
    const concat = udhi ? parseUdh(bytes) : undefined;
    const body = udhi ? bytes.subarray(udhLength(bytes)) : bytes;
    let text: string | undefined;
    try {
      text = decodeSmsText(body, dataCoding);
    } catch {
      text = undefined;
    }
    const sarRef = fields?.tlvs.get(TLV_SAR_REF);
    const sarTotal = fields?.tlvs.get(TLV_SAR_TOTAL);
    const sarSeq = fields?.tlvs.get(TLV_SAR_SEQ);
    const sar =
      sarRef !== undefined && sarRef.length === 2 && sarTotal?.[0] !== undefined && sarSeq?.[0] !== undefined
        ? { ref: sarRef.readUInt16BE(0), total: sarTotal[0], seq: sarSeq[0] }
        : undefined;

    const destination = pdu.destination_addr ?? '';
    const segmentKey = concat !== undefined ? `udh:${concat.ref}/${concat.seq}` : sar !== undefined ? `sar:${sar.ref}/${sar.seq}` : '';
    const key = `${destination}\u0000${text ?? body.toString('hex')}\u0000${segmentKey}`;
    const duplicate = this.seen.has(key);
    if (duplicate) this.counters.duplicates++;
    else this.seen.add(key);

    const n = this.nextMessageId++;
    let uuid: string | undefined;
    const uuidOnce = (): string => (uuid ??= randomUUID());
    const idFormat = this.options.idFormat ?? 'decimal';
    const record: SubmitRecord = {
      index: ++this.counters.submitsAccepted,
      sessionId: sim.id,
      systemId: sim.systemId ?? '',
      command,
      source: pdu.source_addr ?? '',
      destination,
      dataCoding,
      esmClass,
      registeredDelivery: pdu.registered_delivery ?? 0,
      bytes: Buffer.from(bytes),
      text,
      ...(concat === undefined ? {} : { concat }),
      ...(sar === undefined ? {} : { sar }),
      messageId: this.formatId(n, idFormat, uuidOnce),
      receiptMessageId: this.formatId(n, this.options.receiptIdFormat ?? idFormat, uuidOnce),
      at: Date.now(),
      duplicate,
    };
    this.submits.push(record);
    return record;
  }

  // ── receipts ─────────────────────────────────────────────────────────────────────────

  private receiptDecision(record: SubmitRecord): ReceiptDecision | undefined {
    const receipts = this.options.receipts ?? {};
    if (receipts.enabled === false) return undefined;
    const outcome = receipts.outcome ?? 'DELIVRD';
    let decision: ReceiptDecision | undefined;
    if (typeof outcome === 'function') {
      const chosen = outcome(record);
      decision = typeof chosen === 'string' ? { stat: chosen } : chosen;
    } else {
      decision = { stat: outcome };
    }
    if (decision === undefined) return undefined;
    if (receipts.failureRatio !== undefined && receipts.failureRatio > 0 && this.random() < receipts.failureRatio) {
      decision = { ...decision, stat: receipts.failureStat ?? 'UNDELIV' };
    }
    if (decision.err === undefined) decision = { ...decision, err: decision.stat === 'DELIVRD' ? 0 : (receipts.errorCode ?? 1) };
    if (receipts.honourRegisteredDelivery !== false) {
      const wanted = record.registeredDelivery & 0x03;
      if (wanted === 0) return undefined;
      if (wanted === 2 && decision.stat === 'DELIVRD') return undefined;
    }
    return decision;
  }

  private sendReceiptFor(sim: SimSession, record: SubmitRecord, decision: ReceiptDecision): void {
    // The message reached its state now, whether or not its receipt ever leaves.
    const final = decision.stat !== 'ENROUTE';
    this.states.set(record.messageId, { stat: decision.stat, err: decision.err ?? 0, doneAt: final ? new Date() : undefined });
    if (this.options.receipts?.lose?.(record) === true) {
      this.counters.receiptsLostBySmsc++;
      return;
    }
    const format = this.options.receipts?.format ?? 'standard';
    const err = decision.err ?? 0;
    const viaDataSm = this.options.receipts?.viaDataSm === true;
    const pdu = receiptPdu(
      record.receiptMessageId,
      decision.stat,
      err,
      format,
      record.source,
      record.destination,
      record.text ?? '',
      new Date(record.at),
      viaDataSm,
    );
    const receipt: ReceiptRecord = { messageId: record.receiptMessageId, stat: decision.stat, err, format, sessionId: sim.id };
    this.receipts.push(receipt);
    const avoid = this.options.receipts?.route === 'other-session' ? { avoidSession: sim.id } : {};
    const pending: PendingReceipt = { systemId: record.systemId, preferSession: sim.id, ...avoid, command: viaDataSm ? 'data_sm' : 'deliver_sm', pdu, record: receipt };
    if (this.options.receipts?.holdUntilUnbind === true) {
      this.heldForUnbind.push(pending);
      return;
    }
    this.pendingReceipts.push(pending);
    this.flushPendingReceipts();
  }

  /** The retry mode in force (receipts.retryAfterErrorMs is the older spelling of `any`). */
  private retryPolicy(): { readonly on: RetryMode; readonly afterMs: number } {
    if (this.options.retry !== undefined) return { on: this.options.retry.on, afterMs: this.options.retry.afterMs ?? 1_000 };
    const afterMs = this.options.receipts?.retryAfterErrorMs;
    return afterMs === undefined ? { on: 'never', afterMs: 0 } : { on: 'any', afterMs };
  }

  /**
   * Whether a refused deliver_sm is offered again. `queue-full` retries the statuses that
   * mean "slow down" and an answer that never came, as most SMSCs do; a malformed answer
   * is retried only in `any` (most SMSCs drop the bind and forget the PDU).
   */
  private retries(refusal: Refusal): boolean {
    const { on } = this.retryPolicy();
    if (on === 'any') return true;
    if (on === 'never') return false;
    if (refusal === 'no-answer') return true;
    if (refusal === 'malformed') return false;
    return refusal.status === smpp.ESME_RMSGQFUL || refusal.status === smpp.ESME_RTHROTTLED;
  }

  /** Sends one receipt on `target` and handles its answer (retry or give up as configured). */
  private deliverOn(target: SimSession, pending: PendingReceipt): void {
    this.counters.receiptsSent++;
    if (pending.record.sentOnSession !== undefined) pending.record.resent = (pending.record.resent ?? 0) + 1;
    pending.record.sentOnSession = target.id;
    pending.record.sentToSystemId = target.systemId ?? '';
    this.emit('receipt', pending.record);
    target.unacked.add(pending);
    const refused = (refusal: Refusal): void => {
      this.counters.inboundRefused++;
      if (typeof refusal === 'object') this.refusals.push(refusal.status);
      if (!this.retries(refusal)) {
        this.counters.lost++;
        pending.record.lost = true;
        return;
      }
      // A temporary refusal: keep it and offer it again later, store-and-forward.
      this.later(this.retryPolicy().afterMs, () => {
        this.pendingReceipts.push(pending);
        this.flushPendingReceipts();
      });
    };
    this.sendDeliverSm(target, pending.pdu, pending.command).then(
      (status) => {
        target.unacked.delete(pending);
        pending.record.status = status;
        if (status === smpp.ESME_ROK) {
          this.counters.receiptsAcked++;
          return;
        }
        refused({ status });
      },
      (err: unknown) => {
        // Closed first: the close handler re-queued (or lost) it already.
        if (!target.unacked.delete(pending)) return;
        refused(err instanceof MalformedAnswer ? 'malformed' : 'no-answer');
      },
    );
  }

  /** Sends queued receipts to a receiver of their system_id; keeps the rest (store and forward). */
  private flushPendingReceipts(): void {
    let kept = 0;
    for (const pending of this.pendingReceipts) {
      const target = this.receiptTarget(pending);
      if (target === undefined) {
        this.pendingReceipts[kept++] = pending;
        continue;
      }
      this.deliverOn(target, pending);
    }
    this.pendingReceipts.length = kept;
  }

  private receiptTarget(pending: PendingReceipt): SimSession | undefined {
    if (pending.avoidSession !== undefined) {
      for (const sim of this.sessions.values()) {
        if (sim.id !== pending.avoidSession && !sim.dropping && (sim.mode === 'receiver' || sim.mode === 'transceiver')) return sim;
      }
    }
    const preferred = this.sessions.get(pending.preferSession);
    return preferred !== undefined && !preferred.dropping && preferred.mode === 'transceiver' ? preferred : this.receiverFor(pending.systemId);
  }

  private receiverFor(systemId: string | undefined): SimSession | undefined {
    for (const sim of this.sessions.values()) {
      if (sim.dropping || (sim.mode !== 'receiver' && sim.mode !== 'transceiver')) continue;
      if (systemId === undefined || sim.systemId === systemId) return sim;
    }
    return undefined;
  }

  private sendDeliverSm(target: SimSession, fields: smpp.PduFields, command: 'deliver_sm' | 'data_sm' = 'deliver_sm'): Promise<number> {
    const timeoutMs = this.options.moResponseTimeoutMs ?? 5000;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        reject(new Error(`no ${command}_resp within ${timeoutMs} ms`));
      }, timeoutMs);
      this.timers.add(timer);
      const pdu = new smpp.PDU(command, fields);
      if (this.options.trace === true) this.log(`session ${target.id} → ${command} esm_class=${fields.esm_class ?? 0}`);
      const sent = target.session.send(pdu, (resp) => {
        clearTimeout(timer);
        this.timers.delete(timer);
        if (this.malformedPdus.has(resp)) reject(new MalformedAnswer(`malformed ${command}_resp`));
        else resolve(resp.command_status);
      });
      if (!sent) {
        clearTimeout(timer);
        this.timers.delete(timer);
        reject(new Error('connection not writable'));
      }
    });
  }

  private later(ms: number, run: () => void): void {
    if (ms <= 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}
