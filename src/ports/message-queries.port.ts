import type { DeliveryState } from '../domain/delivery-state.js';
import type { Channel, DeliveryEvent, Direction, StoredDelivery, StoredMessage } from '../domain/message.js';
import type { StoredCorrelation, StoredSegment } from './ledger.port.js';
import type { MsrpSessionRecord } from './msrp-session-store.port.js';

/**
 * What an admin searches messages by. Every given field must match. `state`, `channel`
 * and `recipient` must match the same delivery ("the SMS to +1555… that failed").
 */
export interface MessageFilter {
  readonly state?: DeliveryState | undefined;
  /** Channel of a delivery (where the message went). */
  readonly channel?: Channel | undefined;
  readonly direction?: Direction | undefined;
  /** Case-insensitive substring of the sender URI. */
  readonly sender?: string | undefined;
  /** Case-insensitive substring of a delivery's target or original recipient URI. */
  readonly recipient?: string | undefined;
  /** Accepted by Herald at or after this time. */
  readonly from?: Date | undefined;
  /** Accepted by Herald before this time. */
  readonly to?: Date | undefined;
  /**
   * An exact id: message id, delivery id, IMDN Message-ID, SIP Call-ID, an SMSC message
   * id of any segment, or a correlation key (email ENVID, Message-ID, reply token).
   */
  readonly q?: string | undefined;
  /** Only messages received in this MSRP session (Herald's session id). */
  readonly session?: string | undefined;
  /** Keyset paging: only messages whose id sorts below this one. */
  readonly beforeId?: string | undefined;
  readonly limit: number;
}

/** One row of a message list: the message and its deliveries. */
export interface MessageSummary {
  readonly message: StoredMessage;
  readonly deliveries: readonly StoredDelivery[];
  /** The MSRP session it came in; absent for page-mode messages. */
  readonly session?: MsrpSessionRecord | undefined;
}

export interface MessagePage {
  /** Newest first (message ids are UUIDv7, so id order is time order). */
  readonly items: readonly MessageSummary[];
  /** Id to pass as `beforeId` for the next page; absent on the last page. */
  readonly nextBeforeId?: string | undefined;
}

/** Everything the ledger knows about one message. */
export interface MessageDetail {
  readonly message: StoredMessage;
  readonly deliveries: readonly StoredDelivery[];
  readonly segments: readonly StoredSegment[];
  readonly correlations: readonly StoredCorrelation[];
  /** The whole timeline (all deliveries), oldest first. */
  readonly events: readonly DeliveryEvent[];
  /** The MSRP session it came in; absent for page-mode messages. */
  readonly session?: MsrpSessionRecord | undefined;
}

/** Read-side queries of the admin API. */
export interface MessageQueries {
  /** @throws GW_ERR_DB_UNREACHABLE */
  search(filter: MessageFilter): Promise<MessagePage>;
  /** @throws GW_ERR_DB_UNREACHABLE */
  detail(messageId: string): Promise<MessageDetail | undefined>;
}
