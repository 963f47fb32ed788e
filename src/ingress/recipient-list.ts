/**
 * Page-mode MESSAGE to a list (RFC 5365): a multipart/mixed body with one
 * `application/resource-lists+xml` part (Content-Disposition: recipient-list) naming the
 * recipients, and one part that is the message itself.
 */
import { parseContentType } from '../codecs/content-type.js';
import { headerValue } from '../codecs/mime-headers.js';
import { parseMultipart } from '../codecs/multipart.js';
import { RESOURCE_LISTS_CONTENT_TYPE, RESOURCE_LISTS_MAX_ENTRIES, parseResourceLists, type ResourceListEntry } from '../codecs/resource-lists.js';
import { heraldError } from '../errors.js';

export const RECIPIENT_LIST_OPTION_TAG = 'recipient-list-message';

export interface RecipientListBody {
  readonly entries: readonly ResourceListEntry[];
  readonly messageBody: Buffer;
  readonly messageContentType: string | undefined;
}

/**
 * @throws GW_ERR_MULTIPART_MALFORMED, GW_ERR_RESOURCE_LISTS_MALFORMED when the parts are
 *   missing or unreadable; GW_ERR_CONTENT_TOO_LARGE (meta.maxRecipients) for too long a list.
 */
export function parseRecipientListBody(body: Buffer, contentType: string | undefined, maxRecipients: number): RecipientListBody {
  const type = parseContentType(contentType ?? '');
  if (type.mediaType !== 'multipart/mixed') {
    throw heraldError('GW_ERR_MULTIPART_MALFORMED', `a recipient-list MESSAGE needs multipart/mixed, not ${type.mediaType}`);
  }
  const multipart = parseMultipart(body, contentType ?? '');
  const isList = (ct: string | undefined): boolean => ct !== undefined && parseContentType(ct).mediaType === RESOURCE_LISTS_CONTENT_TYPE;
  const listPart = multipart.parts.find((p) => isList(headerValue(p.headers, 'content-type')));
  const messagePart = multipart.parts.find((p) => p !== listPart);
  if (listPart === undefined) throw heraldError('GW_ERR_MULTIPART_MALFORMED', 'no application/resource-lists+xml part');
  if (messagePart === undefined) throw heraldError('GW_ERR_MULTIPART_MALFORMED', 'no message part beside the recipient list');
  // Parse with the codec's own cap so an over-long list is reported as such, not as malformed.
  const entries = parseResourceLists(listPart.body, { maxEntries: RESOURCE_LISTS_MAX_ENTRIES * 10 });
  if (entries.length > maxRecipients) {
    throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `${entries.length} recipients, at most ${maxRecipients}`, {
      meta: { maxRecipients, recipients: entries.length },
    });
  }
  if (entries.length === 0) throw heraldError('GW_ERR_RESOURCE_LISTS_MALFORMED', 'the recipient list is empty');
  return { entries, messageBody: messagePart.body, messageContentType: headerValue(messagePart.headers, 'content-type') };
}
