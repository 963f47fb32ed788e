/**
 * Options, records, events and counters of the SMSC simulator (smsc-sim.ts).
 */
import type { SmsEncoding, SmsSegmentation, UdhConcatInfo } from '../../src/codecs/sms-segments.js';

/** How message ids look: `decimal` 268435457, `hex` 10000001 (upper case, 8 digits), `uuid`. */
export type MessageIdFormat = 'decimal' | 'hex' | 'uuid';

/**
 * Receipt layouts: `standard` both TLVs and `… text:…`; `capital-text` with `Text:`;
 * `twelve-digit-dates` with YYMMDDhhmmss dates; `tlv-only` an empty short_message;
 * `text-only` no TLVs.
 */
export type ReceiptFormat = 'standard' | 'capital-text' | 'twelve-digit-dates' | 'tlv-only' | 'text-only';

/** When an error answer to deliver_sm is retried (see SmscSimulatorOptions.retry). */
export type RetryMode = 'queue-full' | 'any' | 'never';

/** A PDU the simulator received that SMPP 3.4 does not allow (see pdu-lengths.ts). */
export interface MalformedPdu {
  readonly sessionId: number;
  readonly command: string;
  readonly defect: string;
  /** The PDU as received, hex. */
  readonly hex: string;
}

/** Stats the simulator can report. */
export type SimReceiptStat = 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | 'REJECTD' | 'DELETED' | 'ACCEPTD' | 'ENROUTE' | 'UNKNOWN';

/** A receipt decision for one submit. */
export interface ReceiptDecision {
  readonly stat: SimReceiptStat;
  /** err: / network_error_code. @defaultValue 0 for DELIVRD, else `receipts.errorCode` */
  readonly err?: number;
  /** Overrides `receipts.delayMs` for this one. */
  readonly delayMs?: number;
}

export type BindMode = 'transmitter' | 'receiver' | 'transceiver';

export interface SmscAccount {
  readonly systemId: string;
  readonly password: string;
}

export interface SmscSimulatorOptions {
  /** @defaultValue '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @defaultValue 0 */
  readonly port?: number;
  /** Accepted credentials. @defaultValue [{ systemId: 'herald', password: 'secret' }] */
  readonly accounts?: readonly SmscAccount[];
  /** system_id the simulator answers binds with. @defaultValue 'herald-sim' */
  readonly smscSystemId?: string;
  /** Format of submit_sm_resp ids. @defaultValue 'decimal' */
  readonly idFormat?: MessageIdFormat;
  /**
   * Format of the same id in receipts (TLV and text), e.g. `decimal` with `idFormat: 'hex'`.
   * Both come from one number, so a hex⇄decimal normalisation matches them.
   * @defaultValue idFormat
   */
  readonly receiptIdFormat?: MessageIdFormat;
  /** First numeric message id. @defaultValue 0x10000000 */
  readonly firstMessageId?: number;
  /** Delay before each submit_sm_resp. @defaultValue 0 */
  readonly respDelayMs?: number;
  readonly receipts?: {
    /** @defaultValue true */
    readonly enabled?: boolean;
    /** @defaultValue 0 */
    readonly delayMs?: number;
    /** @defaultValue 'standard' */
    readonly format?: ReceiptFormat;
    /**
     * Send receipts as data_sm (text in message_payload) instead of deliver_sm, as some
     * SMSCs do. @defaultValue false
     */
    readonly viaDataSm?: boolean;
    /**
     * Outcome of every submit, or a function per submit (undefined: no receipt for it).
     * @defaultValue 'DELIVRD'
     */
    readonly outcome?: SimReceiptStat | ((submit: SubmitRecord) => SimReceiptStat | ReceiptDecision | undefined);
    /** Fraction (0–1) of submits that get `failureStat` instead. @defaultValue 0 */
    readonly failureRatio?: number;
    /** @defaultValue 'UNDELIV' */
    readonly failureStat?: SimReceiptStat;
    /** err for failures. @defaultValue 1 */
    readonly errorCode?: number;
    /**
     * Send the receipt before the submit_sm_resp (the resp then waits `beforeRespGapMs`).
     * @defaultValue false
     */
    readonly beforeResp?: boolean;
    /** @defaultValue 20 */
    readonly beforeRespGapMs?: number;
    /**
     * Send receipts only as registered_delivery asks (0 none, 1 all, 2 failures only).
     * @defaultValue true
     */
    readonly honourRegisteredDelivery?: boolean;
    /**
     * Which session a receipt goes to: `submit-session` (the one the submit came on, when
     * it can receive) or `other-session` (any other bound receiver, of any system_id, as an
     * SMSC does with several ESME binds: the scale-out test's "receipt on the other node's
     * bind"; falls back to the submit's session only when no other is bound).
     * @defaultValue 'submit-session'
     */
    readonly route?: 'submit-session' | 'other-session';
    /**
     * Deliver a receipt again after this long when the ESME answered it with an error
     * (e.g. ESME_RX_T_APPN while its database is down), as a real SMSC retries. Unset:
     * an error answer is final. Shorthand for `retry: { on: 'any', afterMs }`.
     */
    readonly retryAfterErrorMs?: number;
    /**
     * Send no receipt for this submit although one was decided (the SMSC lost it): its
     * state is still what query_sm reports. @defaultValue never
     */
    readonly lose?: (submit: SubmitRecord) => boolean;
    /**
     * Hold every receipt until the ESME sends unbind, then send them on that session
     * before the unbind_resp (the receipts that arrive during a shutdown). @defaultValue false
     */
    readonly holdUntilUnbind?: boolean;
    /**
     * What happens to a receipt still unanswered when its session closes: `redeliver`
     * later on another bind (store and forward), or `lost` (the SMSC counts it handed
     * over, as some do). @defaultValue 'redeliver'
     */
    readonly unanswered?: 'redeliver' | 'lost';
  };
  /**
   * When the simulator delivers a receipt or an MO part again after an error answer (or
   * no answer in time): `queue-full` only after ESME_RMSGQFUL or ESME_RTHROTTLED (most
   * SMSCs), `any` after any error, `never` (some SMSCs). An error answer not retried is a
   * receipt or MO lost, counted in `lost`. @defaultValue { on: 'never' } unless receipts.retryAfterErrorMs
   */
  readonly retry?: { readonly on: RetryMode; readonly afterMs?: number };
  /**
   * What the simulator does with a malformed PDU (see pdu-lengths.ts): it is always
   * recorded in `malformed`; `drop-bind` also closes the session, as real SMSCs do.
   * @defaultValue 'drop-bind'
   */
  readonly onMalformed?: 'drop-bind' | 'record';
  /**
   * Leave every enquire_link unanswered (a hung SMSC process whose socket stays open), so
   * the ESME's keep-alive times out and it must recycle the bind. @defaultValue false
   */
  readonly ignoreEnquireLink?: boolean;
  /** Wait this long between sending held receipts and the unbind_resp. @defaultValue 50 */
  readonly unbindRespDelayMs?: number;
  /** Answer ESME_RTHROTTLED: for a random fraction, every Nth submit, or above a rate. */
  readonly throttle?: { readonly ratio?: number; readonly everyNth?: number; readonly maxPerSecond?: number };
  /** Answer ESME_RMSGQFUL: for a random fraction or every Nth submit. */
  readonly queueFull?: { readonly ratio?: number; readonly everyNth?: number };
  /**
   * Drop the connection after N accepted submits (counted over all sessions since the
   * last drop). `beforeResp` drops before answering the Nth (accepted, recorded, never
   * acknowledged: the ambiguous case); otherwise the resp is written first and anything
   * the ESME sends after it is discarded unrecorded. Binds are then refused with
   * ESME_RBINDFAIL for `refuseBindsMs`.
   */
  readonly drop?: { readonly afterSubmits: number; readonly repeat?: boolean; readonly refuseBindsMs?: number; readonly beforeResp?: boolean };
  /** Source of randomness for ratios. @defaultValue Math.random */
  readonly random?: () => number;
  /** Receives lifecycle lines (listening, bind, drop). @defaultValue none */
  readonly log?: (line: string) => void;
  /** Also log every PDU. @defaultValue false */
  readonly trace?: boolean;
  /** How long the simulator waits for each deliver_sm_resp / data_sm_resp. @defaultValue 5000 */
  readonly moResponseTimeoutMs?: number;
}

/** One accepted submit_sm / data_sm. */
export interface SubmitRecord {
  /** 1-based order of acceptance. */
  readonly index: number;
  readonly sessionId: number;
  readonly systemId: string;
  readonly command: 'submit_sm' | 'data_sm';
  readonly source: string;
  readonly destination: string;
  readonly dataCoding: number;
  readonly esmClass: number;
  readonly registeredDelivery: number;
  /** short_message as received (UDH included), or message_payload when that carried the text. */
  readonly bytes: Buffer;
  /** The text decoded by Herald's codecs (UDH removed); undefined when not text. */
  readonly text: string | undefined;
  readonly concat?: UdhConcatInfo;
  readonly sar?: { readonly ref: number; readonly total: number; readonly seq: number };
  /** Id in the submit_sm_resp. */
  readonly messageId: string;
  /** The same message's id as receipts spell it. */
  readonly receiptMessageId: string;
  /** Date.now() at acceptance. */
  readonly at: number;
  /** Whether an earlier submit had the same destination, text and ref/seq. */
  readonly duplicate: boolean;
}

/** One receipt the simulator sent (or queued for a receiver). */
export interface ReceiptRecord {
  readonly messageId: string;
  readonly stat: SimReceiptStat;
  readonly err: number;
  readonly format: ReceiptFormat;
  readonly sessionId: number;
  /** command_status of the deliver_sm_resp, once it came. */
  status?: number;
  /** The session (and its system_id) the receipt was last sent on. */
  sentOnSession?: number;
  sentToSystemId?: string;
  /** Times it was sent again after an error answer or a lost session. */
  resent?: number;
  /** Given up (see SmscSimulatorOptions.retry and receipts.unanswered). */
  lost?: boolean;
}

export interface BindEvent {
  readonly sessionId: number;
  readonly systemId: string;
  readonly mode: BindMode;
  /** 0 on success. */
  readonly status: number;
}

export interface SmscCounters {
  connections: number;
  binds: number;
  bindFailures: number;
  unbinds: number;
  enquireLinks: number;
  /** submit_sm / data_sm received while bound, whatever the answer. */
  submitsReceived: number;
  submitsAccepted: number;
  throttled: number;
  queueFull: number;
  /** Submits that arrived on a connection being dropped, discarded unanswered. */
  discarded: number;
  drops: number;
  duplicates: number;
  receiptsSent: number;
  receiptsAcked: number;
  moPartsSent: number;
  /** deliver_sm / data_sm answered with an error status (or not at all in time). */
  inboundRefused: number;
  /** Receipts and MO parts given up: an error answer the retry mode does not retry, or unanswered at close with `unanswered: 'lost'`. */
  lost: number;
  /** Receipts decided but never sent (receipts.lose). */
  receiptsLostBySmsc: number;
  querySms: number;
  restarts: number;
}

export interface SmscSimulatorEvents {
  submit: [SubmitRecord];
  bind: [BindEvent];
  'bind-failed': [BindEvent];
  unbind: [{ readonly sessionId: number; readonly systemId: string | undefined }];
  close: [{ readonly sessionId: number }];
  receipt: [ReceiptRecord];
  throttled: [{ readonly sessionId: number; readonly status: number }];
  drop: [{ readonly sessionId: number; readonly systemId: string | undefined }];
  malformed: [MalformedPdu];
}

/** A mobile-originated message to inject. */
export interface MoMessage {
  readonly source: string;
  readonly destination: string;
  readonly text: string;
  /** Without it, GSM 03.38 when it fits, else UCS-2. */
  readonly encoding?: SmsEncoding;
  /** @defaultValue 'udh8' */
  readonly segmentation?: SmsSegmentation;
  readonly reference?: number;
  /** Send to a session bound with this system_id. @defaultValue any receiver */
  readonly systemId?: string;
  /** Send the parts in reverse order, as networks sometimes do. @defaultValue false */
  readonly reverse?: boolean;
}
