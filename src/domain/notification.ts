/**
 * The IMDNs Herald owes IM senders, as the ledger keeps them (the `notifications` table):
 * one row per (delivery, kind, status), so each IMDN is created once whatever retries,
 * sweeps or concurrent transitions ask for it.
 */
import type { ImdnNotification } from '../codecs/imdn.js';

/** An RFC 5438 / OMA CPM notification type, or Herald's group summary (see docs/dispositions.md). */
export type NotificationKind = ImdnNotification['type'] | 'summary';

/** pending: waiting for (or between) send attempts; sent: a 2xx came back; failed: given up. */
export type NotificationState = 'pending' | 'sent' | 'failed';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['delivery', 'display', 'processing', 'interworking', 'summary'];
export const NOTIFICATION_STATES: readonly NotificationState[] = ['pending', 'sent', 'failed'];

/** A notification to create. */
export interface NewNotification {
  readonly id: string;
  readonly deliveryId: string;
  readonly messageId: string;
  readonly kind: NotificationKind;
  /** The IMDN status value (`delivered`, `legacy-sms`, `processed`, …). */
  readonly status: string;
  /** The fresh imdn.Message-ID of the IMDN itself, kept so every retry carries the same one. */
  readonly imdnMessageId: string;
  /** The message/imdn+xml document, built once when the notification became due. */
  readonly payload: string;
}

export interface StoredNotification extends NewNotification {
  readonly state: NotificationState;
  readonly attempts: number;
  readonly lastError?: string | undefined;
  readonly createdAt: Date;
  readonly sentAt?: Date | undefined;
}
