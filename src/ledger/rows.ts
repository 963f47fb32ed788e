/**
 * Row ⇄ domain mapping. Columns hold what the domain wrote, but the database is shared
 * with other nodes and versions, so enumerated columns are checked on the way out rather
 * than cast: a value this build does not know is a GW_ERR_GATEWAY_INTERNAL, not a silent lie.
 */
import { isDeliveryState, type DeliveryState } from '../domain/delivery-state.js';
import type {
  Channel,
  CopyControl,
  DeliveryEvent,
  Direction,
  DirectoryEntry,
  ImdnRequestToken,
  StoredDelivery,
  StoredMessage,
} from '../domain/message.js';
import { heraldError } from '../errors.js';
import type { CorrelationKind, StoredCorrelation, StoredSegment } from '../ports/ledger.port.js';
import type { CorrelationRow, DeliveryRow, DirectoryRow, EventRow, MessageRow, SegmentRow } from './schema.js';

const CHANNELS: readonly Channel[] = ['sms', 'email', 'sip'];
const DIRECTIONS: readonly Direction[] = ['mt', 'mo'];
const COPY_CONTROLS: readonly CopyControl[] = ['to', 'cc', 'bcc'];
const IMDN_TOKENS: readonly ImdnRequestToken[] = [
  'positive-delivery',
  'negative-delivery',
  'display',
  'processing',
  'interworking',
];
const CORRELATION_KINDS: readonly CorrelationKind[] = ['email-envid', 'email-message-id', 'reply-token'];

function oneOf<T extends string>(allowed: readonly T[], value: string, column: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', `ledger column ${column} holds unknown value ${value}`);
  return found;
}

function state(value: string, column: string): DeliveryState {
  if (!isDeliveryState(value)) throw heraldError('GW_ERR_GATEWAY_INTERNAL', `ledger column ${column} holds unknown state ${value}`);
  return value;
}

function optionalState(value: string | null, column: string): DeliveryState | undefined {
  return value === null ? undefined : state(value, column);
}

/** null → undefined, so stored objects compare equal to what was given. */
function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

/** pg gives a Buffer, PGlite a plain Uint8Array: the domain wants a Buffer. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** pg gives int8 as a string, PGlite as a number: ids are strings in the domain. */
export function toId(value: string | number | bigint): string {
  return String(value);
}

export function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    direction: oneOf(DIRECTIONS, row.direction, 'messages.direction'),
    sourceChannel: oneOf(CHANNELS, row.source_channel, 'messages.source_channel'),
    senderUri: row.sender_uri,
    senderDisplayName: opt(row.sender_display_name),
    imdnMessageId: opt(row.imdn_message_id),
    imdnRequests: row.imdn_requests.map((token) => oneOf(IMDN_TOKENS, token, 'messages.imdn_requests')),
    imdnRoute: row.imdn_route,
    subject: opt(row.subject),
    contentType: row.content_type,
    body: toBuffer(row.body),
    sentAt: row.sent_at,
    dedupeKey: row.dedupe_key,
    sipCallId: opt(row.sip_call_id),
    createdAt: row.created_at,
  };
}

export function toDelivery(row: DeliveryRow): StoredDelivery {
  return {
    id: row.id,
    messageId: row.message_id,
    channel: oneOf(CHANNELS, row.channel, 'deliveries.channel'),
    originalRecipientUri: row.original_recipient_uri,
    targetUri: row.target_uri,
    copyControl: row.copy_control === null ? undefined : oneOf(COPY_CONTROLS, row.copy_control, 'deliveries.copy_control'),
    state: state(row.state, 'deliveries.state'),
    version: row.version,
    errorCode: opt(row.error_code),
    errorText: opt(row.error_text),
    farSideAt: opt(row.far_side_at),
    jobId: opt(row.job_id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toDetail(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function toEvent(row: EventRow): DeliveryEvent {
  return {
    id: toId(row.id),
    messageId: row.message_id,
    deliveryId: opt(row.delivery_id),
    at: row.at,
    type: row.type,
    fromState: optionalState(row.from_state, 'events.from_state'),
    toState: optionalState(row.to_state, 'events.to_state'),
    cause: row.cause,
    detail: toDetail(row.detail),
  };
}

/** An event as json_agg spells it: timestamps as ISO text, bigserial ids as numbers. */
export interface EventJson extends Omit<EventRow, 'at' | 'id'> {
  readonly id: number | string;
  readonly at: string;
}

/** An event of a json_agg'd timeline (read in the same statement as the rows around it). */
export function toEventFromJson(e: EventJson): DeliveryEvent {
  return toEvent({ ...e, at: new Date(e.at) });
}

export function toSegment(row: SegmentRow): StoredSegment {
  return {
    id: toId(row.id),
    deliveryId: row.delivery_id,
    seq: row.seq,
    total: row.total,
    connectionId: row.connection_id,
    smscMessageId: row.smsc_message_id,
    state: state(row.state, 'segments.state'),
    errorCode: opt(row.error_code),
    submittedAt: row.submitted_at,
    finalAt: opt(row.final_at),
  };
}

export function toCorrelation(row: CorrelationRow): StoredCorrelation {
  return {
    kind: oneOf(CORRELATION_KINDS, row.kind, 'correlations.kind'),
    key: row.key,
    deliveryId: row.delivery_id,
    createdAt: row.created_at,
  };
}

export function toDirectoryEntry(row: DirectoryRow): DirectoryEntry {
  return {
    imUri: row.im_uri,
    msisdn: opt(row.msisdn),
    email: opt(row.email),
    displayName: opt(row.display_name),
    archiveEnabled: row.archive_enabled,
  };
}

/** jsonb parameter that means the same to pg and PGlite: JSON text (pg would send an array as a PostgreSQL array). */
export function jsonText(value: Readonly<Record<string, unknown>> | undefined): string {
  return JSON.stringify(value ?? {});
}
