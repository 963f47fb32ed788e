import type { DeliveryState } from './delivery-state.js';

/** Which network a delivery leaves (or a message arrived) on. */
export type Channel = 'sms' | 'email' | 'sip';

/** mt: from an IM user towards SMS/email; mo: from SMS/email towards an IM user. */
export type Direction = 'mt' | 'mo';

/** IMDN request tokens of `imdn.Disposition-Notification` (RFC 5438, plus OMA CPM `interworking`). */
export type ImdnRequestToken =
  | 'positive-delivery'
  | 'negative-delivery'
  | 'display'
  | 'processing'
  | 'interworking';

/** Copy control of a recipient-list entry (RFC 5364). */
export type CopyControl = 'to' | 'cc' | 'bcc';

export interface NewMessage {
  readonly id: string;
  readonly direction: Direction;
  /** Channel the message arrived on. */
  readonly sourceChannel: Channel;
  readonly senderUri: string;
  readonly senderDisplayName?: string | undefined;
  /** The sender's imdn.Message-ID, when the IM carried one. */
  readonly imdnMessageId?: string | undefined;
  readonly imdnRequests: readonly ImdnRequestToken[];
  /** imdn.IMDN-Record-Route entries, topmost first; notifications go to the first. */
  readonly imdnRoute: readonly string[];
  readonly subject?: string | undefined;
  readonly contentType: string;
  readonly body: Buffer;
  /** When the sender says it sent the message (CPIM DateTime), else when we received it. */
  readonly sentAt: Date;
  /**
   * Identifies a re-sent copy of the same message (Call-ID+CSeq, or sender +
   * imdn.Message-ID): recording a message whose key exists returns the existing one.
   */
  readonly dedupeKey: string;
  readonly sipCallId?: string | undefined;
}

export interface NewDelivery {
  readonly id: string;
  readonly channel: Channel;
  /** What the sender addressed (e.g. sip:+15551234567@gw.example.com). */
  readonly originalRecipientUri: string;
  /** What Herald actually reaches (tel:+15551234567, mailto:bob@example.com, sip:…). */
  readonly targetUri: string;
  readonly copyControl?: CopyControl | undefined;
  /**
   * To be enqueued in the job shared by the deliveries recorded in the same ledger flush
   * (`JobBatch`, src/domain/jobs.ts) rather than in a job of its own.
   */
  readonly inBatchJob?: boolean | undefined;
}

export interface StoredMessage extends NewMessage {
  readonly createdAt: Date;
}

export interface StoredDelivery extends NewDelivery {
  readonly messageId: string;
  readonly state: DeliveryState;
  /** Optimistic-concurrency version, bumped by every transition. */
  readonly version: number;
  readonly errorCode?: string | undefined;
  readonly errorText?: string | undefined;
  /** When the far side delivered or read it (IMDN <datetime>), when known. */
  readonly farSideAt?: Date | undefined;
  /** The id of the shared job it was recorded for, when it was (see {@link NewDelivery.inBatchJob}). */
  readonly jobId?: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One entry of a delivery's (or message's) timeline. */
export interface DeliveryEvent {
  readonly id: string;
  readonly messageId: string;
  readonly deliveryId?: string | undefined;
  readonly at: Date;
  /** e.g. `state`, `receipt`, `imdn-sent`, `sip-response`, `retry`. */
  readonly type: string;
  readonly fromState?: DeliveryState | undefined;
  readonly toState?: DeliveryState | undefined;
  /** Short machine-readable reason, e.g. `smpp:DELIVRD`, `ingress`, `admin-retry`. */
  readonly cause: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A row of the number directory: one IM user and how the other networks know them. */
export interface DirectoryEntry {
  readonly imUri: string;
  readonly msisdn?: string | undefined;
  readonly email?: string | undefined;
  readonly displayName?: string | undefined;
  readonly archiveEnabled: boolean;
}
