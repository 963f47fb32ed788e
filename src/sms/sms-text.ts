/**
 * The text an SMS delivery sends: the IM's text, or a link to its content
 * (`media.linkMode`), with the group line of a recipient-list message (REQ-GROUP-2).
 * Deterministic for a delivery (the same link, the same line), so a retried job plans the
 * same parts and skips those already acknowledged.
 */
import type { HeraldConfig } from '../config.js';
import { newToken } from '../domain/ids.js';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import { heraldError } from '../errors.js';
import { isGroup, memberLabel, smsTextWithList, visibleOthers } from '../groups/member-line.js';
import { MEDIA_TOKEN_BYTES, mediaBaseUrl, mediaSmsText, mediaUrl } from '../media/media-link.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { MediaLinkStore } from '../ports/media-link-store.port.js';

export interface SmsTextDeps {
  readonly config: HeraldConfig;
  readonly ledger: Pick<Ledger, 'listDeliveries'>;
  /** Needed for non-text content; without it such a delivery is refused. */
  readonly mediaLinks?: MediaLinkStore | undefined;
  /** The links' base URL, resolved when needed (the HTTP port may be picked at listen). */
  readonly mediaBaseUrl?: (() => string) | undefined;
}

function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0]?.trim().toLowerCase() ?? '';
}

async function baseText(message: StoredMessage, deps: SmsTextDeps): Promise<string> {
  const mediaType = mediaTypeOf(message.contentType);
  if (mediaType === '' || mediaType.startsWith('text/')) return message.body.toString('utf8');
  if (!deps.config.media.linkMode || deps.mediaLinks === undefined) {
    // Ingress refuses this unless link mode is on: only a setting changed since gets here.
    throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', `${mediaType} to SMS without media.linkMode`);
  }
  const expiresAt = new Date(message.createdAt.getTime() + deps.config.media.linkTtlHours * 3_600_000);
  const link = await deps.mediaLinks.linkFor(message.id, newToken(MEDIA_TOKEN_BYTES), expiresAt);
  return mediaSmsText(mediaType, mediaUrl(deps.mediaBaseUrl?.() ?? mediaBaseUrl(deps.config), link.token));
}

/**
 * @throws GW_ERR_CONTENT_UNSUPPORTED_TYPE (permanent) for non-text content without link
 *   mode; GW_ERR_DB_UNREACHABLE (transient) from the ledger.
 */
export async function smsTextFor(message: StoredMessage, delivery: StoredDelivery, deps: SmsTextDeps): Promise<string> {
  const text = await baseText(message, deps);
  // Only list messages have a copyControl: single-recipient SMS skip the extra read.
  if (delivery.copyControl === undefined) return text;
  const deliveries = await deps.ledger.listDeliveries(message.id);
  // A relayed reply's IM user is named by who they are, not by the gateway number the
  // replier wrote to; for any other member the two are the same URI.
  const members = deliveries.map((d) => ({ uri: d.channel === 'sip' ? d.targetUri : d.originalRecipientUri, copyControl: d.copyControl }));
  if (!isGroup(members)) return text;
  const self = deliveries.findIndex((d) => d.id === delivery.id);
  const from = message.direction === 'mo' ? memberLabel(message.senderUri) : undefined;
  return smsTextWithList(text, visibleOthers(members, self), deps.config.groups, from);
}
