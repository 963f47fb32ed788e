/**
 * Finds the page-mode group (RFC 5365) a reply from one of its members belongs to
 * (REQ-GROUP-4): the latest IM sent to a recipient list that included that member.
 */
import type { StoredDelivery, StoredMessage } from '../domain/message.js';

export interface GroupLookup {
  /** The member's tel: or mailto: URI, as the deliveries' target_uri holds it. */
  readonly memberUri: string;
  /** Only groups sent by this IM user, when known (the number the reply went to is theirs). */
  readonly senderUri?: string | undefined;
  /** Only groups accepted at or after this time (the reply window). */
  readonly since: Date;
}

export interface GroupMessage {
  readonly message: StoredMessage;
  /** Every delivery of the group message, in creation order (the member's included). */
  readonly deliveries: readonly StoredDelivery[];
}

export interface GroupStore {
  /**
   * The most recent MT recipient-list message with a delivery to `memberUri`.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  latestGroupFor(lookup: GroupLookup): Promise<GroupMessage | undefined>;
}
