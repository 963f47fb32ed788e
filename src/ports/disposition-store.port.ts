import type { DeliveryEvent, StoredMessage } from '../domain/message.js';
import type { NewNotification, NotificationKind, StoredNotification } from '../domain/notification.js';

/** A delivery the sweep should look at again (see {@link DispositionStore.listUnchecked}). */
export interface UncheckedDelivery {
  readonly deliveryId: string;
  readonly messageId: string;
}

/** What sending one IMDN needs, read together (see {@link DispositionStore.readForSend}). */
export interface NotificationSendFacts {
  readonly notification: StoredNotification;
  readonly message: StoredMessage;
  /** The oldest notification of the same delivery made before this one and still pending. */
  readonly earlierPending?:
    | Pick<StoredNotification, 'id' | 'attempts' | 'createdAt'> & { readonly kind: NotificationKind | string; readonly status: string }
    | undefined;
}

/** What recording a decision created (see {@link DispositionStore.recordDecision}). */
export interface RecordedDecision {
  /**
   * The notifications this decision created (not those that existed), in order, each with
   * its delivery's oldest notification still pending from before (as
   * {@link NotificationSendFacts} has it).
   */
  readonly created: readonly Omit<NotificationSendFacts, 'message'>[];
}

/** How one send attempt went (see {@link DispositionStore.recordSendOutcome}). */
export interface SendOutcome {
  /** The attempt's error (kept as last_error); undefined for a 2xx. */
  readonly attemptError?: string | undefined;
  /** pending → sent or failed, with the event that says so; absent while retries go on. */
  readonly finish?:
    | {
        readonly state: 'sent' | 'failed';
        readonly at: Date;
        /** Kept as last_error instead of the attempt's. */
        readonly error?: string | undefined;
        readonly event: { readonly type: string; readonly cause: string; readonly detail: Readonly<Record<string, unknown>> };
      }
    | undefined;
}

/**
 * What the dispositions module keeps in the ledger: the IMDNs owed to senders, which
 * delivery versions it has already looked at, and the MO message lookup for IMDNs that
 * IM users send back. A port of its own so the Ledger port stays what the message path needs.
 */
export interface DispositionStore {
  /**
   * Creates the notification unless one with the same (delivery, kind, status) exists.
   * @returns the stored row, new or existing, and whether this call created it.
   * @throws GW_ERR_LEDGER_NOT_FOUND when the delivery does not exist; GW_ERR_DB_UNREACHABLE
   */
  insertNotification(notification: NewNotification): Promise<{ readonly notification: StoredNotification; readonly created: boolean }>;
  /**
   * The message and the state and receipt events of one of its deliveries, oldest first, in
   * one read (what deciding a delivery's IMDNs needs); undefined when the message is gone.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  readDecisionFacts(messageId: string, deliveryId: string): Promise<{ readonly message: StoredMessage; readonly events: readonly DeliveryEvent[] } | undefined>;
  /**
   * {@link insertNotification} for each of `notifications` and {@link markChecked}, in one
   * write. @returns the notifications this call created, with what sending them needs
   * besides their message (so the sender need not {@link readForSend} them).
   * @throws GW_ERR_LEDGER_NOT_FOUND when a delivery does not exist; GW_ERR_DB_UNREACHABLE
   */
  recordDecision(deliveryId: string, version: number, notifications: readonly NewNotification[]): Promise<RecordedDecision>;
  /**
   * A notification, its message and {@link firstPendingBefore}, in one read; undefined when
   * the notification or its message is gone. @throws GW_ERR_DB_UNREACHABLE
   */
  readForSend(notificationId: string): Promise<NotificationSendFacts | undefined>;
  /**
   * {@link recordAttempt}, then (when `outcome.finish` is given) {@link finish} and the
   * outcome event if that finished it, in one write.
   * @returns whether this call finished the notification. @throws GW_ERR_DB_UNREACHABLE
   */
  recordSendOutcome(id: string, outcome: SendOutcome): Promise<boolean>;
  /** @throws GW_ERR_DB_UNREACHABLE (for every read below) */
  getNotification(id: string): Promise<StoredNotification | undefined>;
  /** Notifications of a delivery, oldest first. */
  listNotifications(deliveryId: string): Promise<readonly StoredNotification[]>;
  /** The oldest notification of the same delivery made before this one and still pending (IMDNs go out in order). */
  firstPendingBefore(notification: Pick<StoredNotification, 'id' | 'deliveryId'>): Promise<StoredNotification | undefined>;
  /**
   * Counts one send attempt and keeps its error. @throws GW_ERR_DB_UNREACHABLE
   */
  recordAttempt(id: string, error?: string): Promise<void>;
  /**
   * pending → sent, or pending → failed. @returns false when the row was no longer pending
   * (another run finished it): the caller then does nothing more.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  finish(id: string, state: 'sent' | 'failed', at: Date, error?: string): Promise<boolean>;
  /** Pending notifications created before `before`, oldest first (for the crash-safety sweep). */
  listPending(before: Date, limit: number): Promise<readonly StoredNotification[]>;
  /**
   * Deliveries of `mt` messages that asked for IMDNs, in `states`, last changed before
   * `before`, whose current version the dispositions service has not looked at. With
   * `tokensBeforeFinal`, a delivery not yet final is listed only when its message asked for
   * one of those tokens (the service decides nothing for the others before the end).
   */
  listUnchecked(states: readonly string[], before: Date, limit: number, tokensBeforeFinal?: readonly string[]): Promise<readonly UncheckedDelivery[]>;
  /** Records that the service decided the IMDNs of `deliveryId` at `version`. @throws GW_ERR_DB_UNREACHABLE */
  markChecked(deliveryId: string, version: number): Promise<void>;
  /**
   * Deletes sent and failed notifications created before `before` (imdn.retentionDays).
   * @returns how many were deleted. @throws GW_ERR_DB_UNREACHABLE
   */
  purgeFinished(before: Date): Promise<number>;
  /**
   * The MO message an IMDN from an IM user reports on: the one whose imdn.Message-ID
   * (as Herald sent it) is `imdnMessageId`. Herald uses the message id itself when the MO
   * message had none (see egress/message-body.ts), so that matches too.
   */
  findMoMessageByImdnId(imdnMessageId: string): Promise<StoredMessage | undefined>;
}
