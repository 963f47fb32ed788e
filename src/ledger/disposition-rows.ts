/**
 * The dispositions module's tables (migration 0004) and their row mapping, shared by the
 * store (dispositions.ts) and its one-statement reads and writes (disposition-statements.ts).
 * Their row types live here rather than in schema.ts: only the dispositions files read them.
 */
import type { ColumnType, Kysely, Selectable } from 'kysely';
import {
  NOTIFICATION_KINDS,
  NOTIFICATION_STATES,
  type NotificationKind,
  type NotificationState,
  type StoredNotification,
} from '../domain/notification.js';
import { heraldError } from '../errors.js';
import type { LedgerDatabase } from './schema.js';

type DefaultedTimestamp = ColumnType<Date, Date | undefined, Date>;

export interface NotificationsTable {
  id: string;
  delivery_id: string;
  message_id: string;
  kind: string;
  status: string;
  imdn_message_id: string;
  payload: string;
  state: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: DefaultedTimestamp;
  sent_at: Date | null;
}

export interface DispositionChecksTable {
  delivery_id: string;
  version: number;
  checked_at: DefaultedTimestamp;
}

export type DispositionDb = Kysely<LedgerDatabase & { notifications: NotificationsTable; disposition_checks: DispositionChecksTable }>;
export type NotificationRow = Selectable<NotificationsTable>;

function oneOf<T extends string>(allowed: readonly T[], value: string, column: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', `ledger column ${column} holds unknown value ${value}`);
  return found;
}

export function toNotification(row: NotificationRow): StoredNotification {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    messageId: row.message_id,
    kind: oneOf<NotificationKind>(NOTIFICATION_KINDS, row.kind, 'notifications.kind'),
    status: row.status,
    imdnMessageId: row.imdn_message_id,
    payload: row.payload,
    state: oneOf<NotificationState>(NOTIFICATION_STATES, row.state, 'notifications.state'),
    attempts: row.attempts,
    lastError: row.last_error ?? undefined,
    createdAt: row.created_at,
    sentAt: row.sent_at ?? undefined,
  };
}

/** Keeps stored error texts bounded: a peer's reason phrase is not ours to store whole. */
export function clip(text: string | undefined): string | null {
  return text === undefined ? null : text.slice(0, 1000);
}
