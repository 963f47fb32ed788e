/**
 * Row types of the ledger tables, as Kysely sees them. These mirror the migrations in
 * ./migrations/ and are the only place the column names appear as types; the mapping to
 * domain objects lives in ./rows.ts.
 *
 * Both drivers return `timestamptz` as `Date` and `jsonb` parsed; they differ on `bigint`
 * (pg: string, PGlite: number) and `bytea` (pg: Buffer, PGlite: Uint8Array), hence the
 * wider select types below, narrowed once in ./rows.ts.
 */
import type { ColumnType, Insertable, Selectable } from 'kysely';

/** A `timestamptz` column the database fills with `now()` unless told otherwise. */
type DefaultedTimestamp = ColumnType<Date, Date | undefined, Date>;

/** `bigserial`: pg returns int8 as a string, PGlite as a number. */
type BigSerial = ColumnType<string | number | bigint, never, never>;

/** `jsonb`: written as JSON text (both drivers pass a string through as is), read parsed. */
type Jsonb = ColumnType<unknown, string, string>;

export interface MessagesTable {
  id: string;
  direction: string;
  source_channel: string;
  sender_uri: string;
  sender_display_name: string | null;
  imdn_message_id: string | null;
  imdn_requests: string[];
  imdn_route: string[];
  subject: string | null;
  content_type: string;
  body: Uint8Array;
  sent_at: Date;
  dedupe_key: string;
  sip_call_id: string | null;
  created_at: DefaultedTimestamp;
}

export interface DeliveriesTable {
  id: string;
  message_id: string;
  channel: string;
  original_recipient_uri: string;
  target_uri: string;
  copy_control: string | null;
  state: string;
  version: number;
  error_code: string | null;
  error_text: string | null;
  far_side_at: Date | null;
  /** The shared job ingress enqueued it in (migration 0019); null when its job is named after it. */
  job_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface SegmentsTable {
  id: BigSerial;
  delivery_id: string;
  seq: number;
  total: number;
  connection_id: string;
  smsc_message_id: string;
  state: string;
  error_code: string | null;
  submitted_at: DefaultedTimestamp;
  final_at: Date | null;
}

export interface CorrelationsTable {
  kind: string;
  key: string;
  delivery_id: string;
  created_at: DefaultedTimestamp;
}

export interface EventsTable {
  id: BigSerial;
  message_id: string;
  delivery_id: string | null;
  at: DefaultedTimestamp;
  type: string;
  from_state: string | null;
  to_state: string | null;
  cause: string;
  detail: Jsonb;
}

export interface DirectoryTable {
  im_uri: string;
  msisdn: string | null;
  email: string | null;
  display_name: string | null;
  archive_enabled: boolean;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_by: string;
  created_at: DefaultedTimestamp;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ApiSessionsTable {
  id_hash: string;
  token_id: string;
  csrf_token: string;
  created_at: DefaultedTimestamp;
  expires_at: Date;
}

export interface AuditTable {
  id: BigSerial;
  at: DefaultedTimestamp;
  actor_token_id: string | null;
  actor_name: string;
  action: string;
  target: string;
  source_ip: string | null;
  detail: Jsonb;
}

export interface HeldReceiptsTable {
  id: BigSerial;
  connection_id: string;
  smsc_message_id: string;
  receipt: Jsonb;
  received_at: DefaultedTimestamp;
  expires_at: Date;
}

export interface MoPartsTable {
  id: BigSerial;
  group_key: string;
  connection_id: string;
  source: string;
  destination: string;
  ref: number;
  total: number;
  seq: number;
  data_coding: number;
  body: Uint8Array;
  received_at: DefaultedTimestamp;
}

/** Migration 0022: MSRP sessions (session mode). */
export interface MsrpSessionsTable {
  id: string;
  call_id: string;
  im_user: string;
  far_party: string;
  large_message_mode: boolean;
  secure: boolean;
  node: string;
  started_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
}

/** Migration 0022: which message came in which MSRP session. */
export interface MsrpSessionMessagesTable {
  message_id: string;
  session_id: string;
  created_at: DefaultedTimestamp;
}

/** The ledger database as Kysely types it. */
export interface LedgerDatabase {
  messages: MessagesTable;
  deliveries: DeliveriesTable;
  segments: SegmentsTable;
  correlations: CorrelationsTable;
  events: EventsTable;
  directory: DirectoryTable;
  held_receipts: HeldReceiptsTable;
  mo_parts: MoPartsTable;
  api_tokens: ApiTokensTable;
  api_sessions: ApiSessionsTable;
  audit: AuditTable;
  msrp_sessions: MsrpSessionsTable;
  msrp_session_messages: MsrpSessionMessagesTable;
}

export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type NewDeliveryRow = Insertable<DeliveriesTable>;
export type SegmentRow = Selectable<SegmentsTable>;
export type CorrelationRow = Selectable<CorrelationsTable>;
export type EventRow = Selectable<EventsTable>;
export type DirectoryRow = Selectable<DirectoryTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type ApiSessionRow = Selectable<ApiSessionsTable>;
export type AuditRow = Selectable<AuditTable>;
