/**
 * What the core asks of the SMS network: submit one planned part on a named SMSC
 * connection, hear receipts and mobile-originated messages, report bind health.
 * adapters/smpp implements it on SMPP 3.4; nothing here knows about PDUs or sockets.
 */
import type { ReceiptTlvs } from '../codecs/smpp-receipt.js';
import type { SmsPart } from '../codecs/sms-segments.js';

/** An SMPP address: digits or a sender id, with its type of number and numbering plan. */
export interface SmsAddress {
  readonly address: string;
  /** 0 unknown, 1 international, 2 national, 3 network specific, 5 alphanumeric. */
  readonly ton: number;
  /** 0 unknown, 1 E.164 (ISDN). */
  readonly npi: number;
}

/** One part of a planned SMS, to send on one connection. */
export interface SmsSubmitRequest {
  /** The configured connection (SMSC), chosen by route; the adapter picks the bind. */
  readonly connectionId: string;
  readonly source: SmsAddress;
  readonly destination: SmsAddress;
  readonly part: SmsPart;
  /** submit_sm registered_delivery (0 none, 1 final outcome, 2 failures only). */
  readonly registeredDelivery: number;
  /** For log lines only. */
  readonly deliveryId?: string | undefined;
}

/** The SMSC's answer to one accepted part. */
export interface SmsSubmitResult {
  /** message_id of the submit_sm_resp exactly as the SMSC sent it (not normalised). */
  readonly messageId: string;
  readonly bindId: string;
}

/** The SMSC's query_sm_resp for one message (SMPP 3.4 §4.8.2). */
export interface SmsQueryAnswer {
  /** message_state (SMPP 3.4 §5.2.28): 1 enroute … 6 accepted, 7 unknown, 8 rejected. */
  readonly messageState: number;
  /** final_date as sent (SMPP absolute time), when the message is final. */
  readonly finalDate?: string | undefined;
  /** error_code: the network error, 0 when none. */
  readonly errorCode: number;
}

/** A delivery receipt as received (deliver_sm or data_sm with a receipt esm_class). */
export interface IncomingSmsReceipt {
  readonly connectionId: string;
  readonly bindId: string;
  readonly command: 'deliver_sm' | 'data_sm';
  readonly source: SmsAddress;
  readonly destination: SmsAddress;
  readonly esmClass: number;
  readonly tlvs: ReceiptTlvs;
  /** short_message (or message_payload) octets as received; read as Latin-1. */
  readonly text: Buffer;
}

/** A mobile-originated message part as received, octets untouched. */
export interface IncomingMo {
  readonly connectionId: string;
  readonly bindId: string;
  readonly command: 'deliver_sm' | 'data_sm';
  readonly source: SmsAddress;
  readonly destination: SmsAddress;
  readonly esmClass: number;
  readonly dataCoding: number;
  /** short_message with its UDH when esm_class has UDHI, or message_payload when that carried the text. */
  readonly shortMessage: Buffer;
  /** sar_msg_ref_num / sar_total_segments / sar_segment_seqnum, when all three came. */
  readonly sar?: { readonly ref: number; readonly total: number; readonly seq: number } | undefined;
}

/**
 * Handles one inbound event. Resolve only once it is durable (or deliberately dropped):
 * the adapter then answers ESME_ROK. A rejection makes the adapter answer a temporary
 * error so the SMSC delivers it again later: nothing is acknowledged before it is stored.
 */
export type SmsInboundHandler<T> = (event: T) => Promise<void>;

export type SmsBindState = 'idle' | 'connecting' | 'binding' | 'bound' | 'backoff' | 'unbinding' | 'closed';

export interface SmsBindStatus {
  readonly id: string;
  readonly mode: 'transceiver' | 'transmitter' | 'receiver';
  readonly state: SmsBindState;
  readonly inFlight: number;
  /** When the bind entered its state (ISO 8601). */
  readonly since: string;
  readonly reconnects: number;
}

export interface SmsConnectionStatus {
  readonly id: string;
  readonly enabled: boolean;
  /** up: every bind bound; degraded: some; down: none; disabled: turned off by an admin. */
  readonly state: 'up' | 'degraded' | 'down' | 'disabled';
  readonly binds: readonly SmsBindStatus[];
  readonly window: { readonly inFlight: number; readonly capacity: number };
  readonly throughput: {
    readonly maxPerSecond: number;
    /** The token bucket's current rate: below max while slowed down after throttling. */
    readonly currentPerSecond: number;
    readonly submitted: number;
    readonly throttled: number;
  };
  readonly lastError?: { readonly at: string; readonly code: string; readonly detail: string; readonly commandStatus?: number | undefined } | undefined;
}

export interface SmsGatewayStatus {
  /** False when no connection is configured: SMS deliveries wait. */
  readonly configured: boolean;
  readonly connections: readonly SmsConnectionStatus[];
}

/**
 * The SMS network. Binds are long-lived and owned by the implementation; submit() waits
 * for window and throughput room on the connection.
 */
export interface SmsGateway {
  /**
   * Sends one part and resolves with the SMSC's message id.
   * @throws GW_ERR_SMPP_UNAVAILABLE (no such connection, disabled, no bind up in time),
   *   GW_ERR_SMPP_THROTTLED (meta.retryAfterMs), GW_ERR_SMPP_SUBMIT_TIMEOUT,
   *   GW_ERR_SMPP_SUBMIT_FAILED (transient command_status, bind lost with the part in flight),
   *   GW_ERR_SMPP_SUBMIT_REJECTED (permanent command_status); meta carries commandStatus and pdu.
   */
  submit(request: SmsSubmitRequest): Promise<SmsSubmitResult>;
  /**
   * Asks the SMSC for a message's state (query_sm) with its id exactly as the
   * submit_sm_resp gave it.
   * @returns undefined when the SMSC answers with an error (it does not know the id).
   * @throws GW_ERR_SMPP_UNAVAILABLE (no such connection, no bind up, no answer in time).
   */
  query(connectionId: string, messageId: string): Promise<SmsQueryAnswer | undefined>;
  /** Sets the one receipt handler (a later call replaces it). */
  onReceipt(handler: SmsInboundHandler<IncomingSmsReceipt>): void;
  /** Sets the one MO handler (a later call replaces it). */
  onMo(handler: SmsInboundHandler<IncomingMo>): void;
  status(): SmsGatewayStatus;
  /**
   * Turns a connection off (binds unbind, submits fail fast as unavailable) or on again.
   * @throws GW_ERR_LEDGER_NOT_FOUND for an unknown connection id.
   */
  setEnabled(connectionId: string, enabled: boolean): Promise<void>;
  /** Opens every bind; resolves at once (binds come up in the background). */
  start(): Promise<void>;
  /** Unbinds and closes every bind; in-flight submits fail as transient. Idempotent. */
  stop(): Promise<void>;
}
