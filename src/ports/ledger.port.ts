import type { DeliveryState } from '../domain/delivery-state.js';
import type {
  DeliveryEvent,
  DirectoryEntry,
  NewDelivery,
  NewMessage,
  StoredDelivery,
  StoredMessage,
} from '../domain/message.js';
import type { HeldReceiptStore } from './held-receipts.port.js';
import type { MoPartStore } from './mo-parts.port.js';
import type { JobBatch } from '../domain/jobs.js';

export interface RecordMessageResult {
  readonly message: StoredMessage;
  readonly deliveries: readonly StoredDelivery[];
  /** True when the dedupe key already existed: nothing new was written. */
  readonly duplicate: boolean;
  /**
   * The shared job the deliveries asking for one (`inBatchJob`) were recorded for, with
   * every delivery recorded for it at the same time, this message's and others'. Absent
   * when none was: those deliveries are enqueued under their own ids.
   */
  readonly batch?: JobBatch | undefined;
}

/** What a channel job reads first (see {@link Ledger.getDeliveryWithMessage}). */
export interface DeliveryWithMessage {
  readonly delivery: StoredDelivery;
  readonly message: StoredMessage;
  /** The sender's MSISDN in the number directory, when it has one. */
  readonly senderMsisdn?: string | undefined;
}

/** A delivery's message and timeline (state changes and receipts), as a transition left them. */
export interface TransitionHistory {
  readonly message: StoredMessage;
  /** This delivery's `state` and `receipt` events, oldest first, the transition's own included. */
  readonly events: readonly DeliveryEvent[];
}

/**
 * A transition that also reads what deciding the delivery's IMDNs needs, in the same round
 * trip (the dispositions decorator uses it when the ledger offers it). Not part of
 * {@link Ledger}: it bypasses any decorator of `transition`, so only the innermost
 * decorator may call it.
 */
export interface TransitionsWithHistory {
  /**
   * {@link Ledger.transition}, plus the history when the one-statement path moved the
   * delivery (undefined when a slower path did: read it then).
   * @throws as {@link Ledger.transition}
   */
  transitionWithHistory(request: TransitionRequest): Promise<{ readonly delivery: StoredDelivery; readonly history?: TransitionHistory | undefined }>;
}

export interface TransitionRequest {
  readonly deliveryId: string;
  readonly to: DeliveryState;
  /** Short machine-readable reason stored on the event, e.g. `smpp:DELIVRD`. */
  readonly cause: string;
  /** When given, the update only wins if the row still has this version. */
  readonly expectedVersion?: number | undefined;
  readonly at?: Date | undefined;
  readonly errorCode?: string | undefined;
  readonly errorText?: string | undefined;
  readonly farSideAt?: Date | undefined;
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

/** Which engine serves the ledger: a PostgreSQL server, or embedded PGlite on a data folder. */
export type LedgerBackend = 'postgres' | 'pglite';

/**
 * What an id recorded in {@link CorrelationStore.putCorrelation} is, so the same string
 * from two sources never collides: an SMTP DSN ENVID (RFC 3461 §4.4), the Message-ID of
 * an email we sent (echoed by MDNs, RFC 8098, and replies' In-Reply-To), or a token we put
 * in a Reply-To/From address to route a reply back to the IM sender.
 */
export type CorrelationKind = 'email-envid' | 'email-message-id' | 'reply-token';

export interface NewSegment {
  readonly deliveryId: string;
  /** 1-based part number, and the number of parts of the concatenated SMS. */
  readonly seq: number;
  readonly total: number;
  /**
   * The SMSC connection (as configured), not the bind: a receipt may come back on any
   * bind of any node, and ids are only unique per SMSC.
   */
  readonly connectionId: string;
  /**
   * The SMSC's message id from submit_sm_resp, already normalised for that SMSC (the same
   * normalisation the receipt side applies), since lookups are by exact match.
   */
  readonly smscMessageId: string;
  /** @defaultValue `'submitted'` */
  readonly state?: DeliveryState | undefined;
  readonly errorCode?: string | undefined;
  /** @defaultValue the database's now() */
  readonly submittedAt?: Date | undefined;
}

export interface StoredSegment {
  readonly id: string;
  readonly deliveryId: string;
  readonly seq: number;
  readonly total: number;
  readonly connectionId: string;
  readonly smscMessageId: string;
  readonly state: DeliveryState;
  readonly errorCode?: string | undefined;
  readonly submittedAt: Date;
  /** When the segment reached a final state (its receipt arrived), if it has. */
  readonly finalAt?: Date | undefined;
}

export interface SegmentUpdate {
  readonly segmentId: string;
  readonly state: DeliveryState;
  readonly errorCode?: string | undefined;
  /** Stored as final_at when `state` is final. @defaultValue the database's now() */
  readonly at?: Date | undefined;
}

export interface NewCorrelation {
  readonly kind: CorrelationKind;
  readonly key: string;
  readonly deliveryId: string;
}

export interface StoredCorrelation extends NewCorrelation {
  readonly createdAt: Date;
}

/**
 * Ids the far side echoes back (SMSC message ids per SMS part, email ENVID/Message-ID,
 * reply tokens), so a report arriving on any node finds its delivery.
 */
export interface CorrelationStore {
  /**
   * Records one submitted SMS part. Idempotent for a retried worker: recording the same
   * (connectionId, smscMessageId) for the same delivery and seq returns the existing row.
   * SMSC ids are recycled (counters wrap, SMSCs restart): an id already recorded for
   * another part is recorded again for this one, never refused.
   * @throws GW_ERR_LEDGER_NOT_FOUND when the delivery does not exist; GW_ERR_DB_UNREACHABLE
   */
  insertSegment(segment: NewSegment): Promise<StoredSegment>;
  /**
   * The part an SMSC id names: of several (a recycled id), the most recent one still
   * waiting for its final receipt, else the most recent.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  findSegmentBySmscId(connectionId: string, smscMessageId: string): Promise<StoredSegment | undefined>;
  /** {@link findSegmentBySmscId} and the part's delivery in one read (what a receipt needs). @throws GW_ERR_DB_UNREACHABLE */
  findSegmentWithDelivery(connectionId: string, smscMessageId: string): Promise<{ readonly segment: StoredSegment; readonly delivery: StoredDelivery } | undefined>;
  /** Parts of a delivery by seq (then submission order, when a retry re-sent them). @throws GW_ERR_DB_UNREACHABLE */
  listSegments(deliveryId: string): Promise<readonly StoredSegment[]>;
  /** @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE */
  updateSegment(update: SegmentUpdate): Promise<StoredSegment>;
  /**
   * {@link updateSegment} and appends `event` (what a receipt records), in one write:
   * both or neither.
   * @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_DB_UNREACHABLE
   */
  updateSegmentWithEvent(update: SegmentUpdate, event: NewEvent): Promise<StoredSegment>;
  /**
   * Records that `key` of `kind` belongs to a delivery. Idempotent for the same delivery.
   * @throws GW_ERR_LEDGER_CONFLICT when the key already belongs to another delivery;
   *   GW_ERR_LEDGER_NOT_FOUND when the delivery does not exist; GW_ERR_DB_UNREACHABLE
   */
  putCorrelation(correlation: NewCorrelation): Promise<StoredCorrelation>;
  /** @throws GW_ERR_DB_UNREACHABLE */
  findCorrelation(kind: CorrelationKind, key: string): Promise<StoredCorrelation | undefined>;
  /**
   * Claims up to `limit` parts on `connectionIds` still waiting for a final receipt that
   * were submitted before `submittedBefore` and not claimed since `claimedBefore`, oldest first, marking
   * them claimed now: two nodes sweeping at once never take the same part.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  claimOverdueSegments(connectionIds: readonly string[], submittedBefore: Date, claimedBefore: Date, limit: number): Promise<readonly StoredSegment[]>;
}

export interface NewEvent {
  readonly messageId: string;
  readonly deliveryId?: string | undefined;
  readonly type: string;
  readonly cause: string;
  readonly at?: Date | undefined;
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

/** One page of {@link Ledger.listAwaitingJob}. */
export interface AwaitingJobPage {
  readonly deliveries: readonly StoredDelivery[];
  /** Opaque; pass it as `after` for the next page. Absent on the last page. */
  readonly next?: string | undefined;
}

/**
 * The system of record. PostgreSQL in production, PGlite as the embedded default; both
 * behind this one port with the same schema and queries.
 */
export interface Ledger {
  readonly backend: LedgerBackend;
  /**
   * Applies pending migrations; safe to call on every start, and from several nodes at
   * once (a lock serialises them).
   * @returns the names of the migrations it applied, oldest first; empty when up to date.
   * @throws GW_ERR_DB_UNREACHABLE, GW_ERR_GATEWAY_INTERNAL when a migration fails (nothing of it stays)
   */
  migrate(): Promise<readonly string[]>;
  /** @throws GW_ERR_DB_UNREACHABLE */
  ping(): Promise<void>;
  /** Waits for running transactions, then closes the connections. Idempotent. */
  close(): Promise<void>;

  /**
   * Stores a message with its deliveries (state `accepted`, one `state` event each) in one
   * transaction. Idempotent on `message.dedupeKey`.
   * @throws GW_ERR_LEDGER_CONFLICT when an id is already taken by another message or
   *   delivery; GW_ERR_DB_UNREACHABLE
   */
  recordMessage(message: NewMessage, deliveries: readonly NewDelivery[]): Promise<RecordMessageResult>;

  /**
   * Moves a delivery to a new state and stores the event, atomically. Error fields are
   * replaced by the request's (cleared when not given): they describe the current state.
   * `farSideAt` is kept unless given.
   * @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_STATE_ILLEGAL_TRANSITION, GW_ERR_LEDGER_CONFLICT
   *   (expectedVersion is stale, or a concurrent transition won), GW_ERR_DB_UNREACHABLE
   */
  transition(request: TransitionRequest): Promise<StoredDelivery>;

  /**
   * Appends a timeline event that does not change state (receipt, IMDN sent, …).
   * @throws GW_ERR_LEDGER_NOT_FOUND when the message or delivery does not exist; GW_ERR_DB_UNREACHABLE
   */
  appendEvent(event: NewEvent): Promise<DeliveryEvent>;

  /** @throws GW_ERR_DB_UNREACHABLE (for every read below) */
  getMessage(id: string): Promise<StoredMessage | undefined>;
  getDelivery(id: string): Promise<StoredDelivery | undefined>;
  /** A delivery and its message in one read (what a channel job starts with); undefined when the delivery does not exist. */
  getDeliveryWithMessage(id: string): Promise<DeliveryWithMessage | undefined>;
  /**
   * The delivery with its message as this process recorded them, once, while still
   * remembered (an SMS delivery of a shared ingress job; see ledger/recorded-facts.ts):
   * what its first job run would otherwise read back. It may be stale; a transition made
   * with its version says so.
   */
  takeRecorded(deliveryId: string): DeliveryWithMessage | undefined;
  /** Deliveries of a message in creation order. */
  listDeliveries(messageId: string): Promise<readonly StoredDelivery[]>;
  /** Events of a message (all its deliveries), oldest first (in the order they were written). */
  listEvents(messageId: string): Promise<readonly DeliveryEvent[]>;
  /**
   * Deliveries in `state` last updated before `before`, oldest first, after the cursor of
   * the previous page: the stranded sweep pages through the deliveries that need a channel
   * job (`accepted`: not taken yet; `queued`: taken, maybe waiting out a retry) and asks
   * the queue which jobs exist.
   */
  listAwaitingJob(state: 'accepted' | 'queued', before: Date, limit: number, after?: string): Promise<AwaitingJobPage>;

  readonly directory: NumberDirectory;
  readonly correlations: CorrelationStore;
  /** Receipts that arrived before (or without) the segment they report on. */
  readonly heldReceipts: HeldReceiptStore;
  /** Parts of concatenated MO SMS waiting for their siblings. */
  readonly moParts: MoPartStore;
}

/**
 * IM user ⇄ MSISDN ⇄ email. Keys are compared exactly, except email (case-insensitive):
 * callers pass normalised forms (E.164 `+15551234567`, the IM URI as routing builds it).
 */
export interface NumberDirectory {
  /**
   * Creates or replaces the entry of `entry.imUri`.
   * @throws GW_ERR_LEDGER_CONFLICT when the MSISDN or email belongs to another IM user;
   *   GW_ERR_DB_UNREACHABLE
   */
  upsert(entry: DirectoryEntry): Promise<DirectoryEntry>;
  /** @returns false when there was no such entry. @throws GW_ERR_DB_UNREACHABLE */
  remove(imUri: string): Promise<boolean>;
  /** @throws GW_ERR_DB_UNREACHABLE (for every lookup) */
  byImUri(imUri: string): Promise<DirectoryEntry | undefined>;
  byMsisdn(msisdn: string): Promise<DirectoryEntry | undefined>;
  byEmail(email: string): Promise<DirectoryEntry | undefined>;
  /** A page ordered by IM URI, starting after `afterImUri` (keyset paging). */
  list(limit: number, afterImUri?: string): Promise<readonly DirectoryEntry[]>;
}
