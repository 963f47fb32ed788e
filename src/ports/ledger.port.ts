import type { DeliveryState } from '../domain/delivery-state.js';
import type {
  DeliveryEvent,
  DirectoryEntry,
  NewDelivery,
  NewMessage,
  StoredDelivery,
  StoredMessage,
} from '../domain/message.js';

export interface RecordMessageResult {
  readonly message: StoredMessage;
  readonly deliveries: readonly StoredDelivery[];
  /** True when the dedupe key already existed: nothing new was written. */
  readonly duplicate: boolean;
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

export interface NewEvent {
  readonly messageId: string;
  readonly deliveryId?: string | undefined;
  readonly type: string;
  readonly cause: string;
  readonly at?: Date | undefined;
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The system of record. PostgreSQL in production, PGlite as the embedded default; both
 * behind this one port with the same schema and queries.
 */
export interface Ledger {
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** @throws GW_ERR_DB_UNREACHABLE */
  ping(): Promise<void>;
  close(): Promise<void>;

  /**
   * Stores a message with its deliveries (state `accepted`, one `state` event each) in one
   * transaction. Idempotent on `message.dedupeKey`.
   */
  recordMessage(message: NewMessage, deliveries: readonly NewDelivery[]): Promise<RecordMessageResult>;

  /**
   * Moves a delivery to a new state and stores the event, atomically.
   * @throws GW_ERR_LEDGER_NOT_FOUND, GW_ERR_STATE_ILLEGAL_TRANSITION, GW_ERR_LEDGER_CONFLICT
   */
  transition(request: TransitionRequest): Promise<StoredDelivery>;

  /** Appends a timeline event that does not change state (receipt, IMDN sent, …). */
  appendEvent(event: NewEvent): Promise<DeliveryEvent>;

  getMessage(id: string): Promise<StoredMessage | undefined>;
  getDelivery(id: string): Promise<StoredDelivery | undefined>;
  listDeliveries(messageId: string): Promise<readonly StoredDelivery[]>;
  /** Events of a message (all its deliveries), oldest first. */
  listEvents(messageId: string): Promise<readonly DeliveryEvent[]>;
  /** Deliveries still `accepted` (persisted but maybe never enqueued) older than `before`. */
  listStranded(before: Date, limit: number): Promise<readonly StoredDelivery[]>;

  directory: NumberDirectory;
}

export interface NumberDirectory {
  upsert(entry: DirectoryEntry): Promise<DirectoryEntry>;
  remove(imUri: string): Promise<boolean>;
  byImUri(imUri: string): Promise<DirectoryEntry | undefined>;
  byMsisdn(msisdn: string): Promise<DirectoryEntry | undefined>;
  byEmail(email: string): Promise<DirectoryEntry | undefined>;
  list(limit: number, afterImUri?: string): Promise<readonly DirectoryEntry[]>;
}
