/**
 * application/im-iscomposing+xml (RFC 3994 §3, schema §4): the "typing…" indicator.
 * Such a body is never a message: callers must not turn it into an SMS or an email.
 */
import { heraldError } from '../errors.js';
import { guardCodec } from './guard.js';
import { escapeXmlText, parseXml, xmlChildText, type SafeXmlLimits } from './safe-xml.js';

/** isComposing XML namespace (RFC 3994 §4). */
export const ISCOMPOSING_NS = 'urn:ietf:params:xml:ns:im-iscomposing';
/** Content type of an isComposing body. */
export const ISCOMPOSING_CONTENT_TYPE = 'application/im-iscomposing+xml';

/** RFC 3994 §3.1 states. */
export type IsComposingState = 'active' | 'idle';

/** An isComposing document. */
export interface IsComposing {
  readonly state: IsComposingState;
  /** When the composer was last active (RFC 3339), if given. */
  readonly lastActive?: string | undefined;
  /** Media type being composed (e.g. `text/plain`), if given. */
  readonly contentType?: string | undefined;
  /** Seconds until the sender refreshes an `active` state (RFC 3994 §3.3). */
  readonly refresh?: number | undefined;
}

function malformed(detail: string): never {
  throw heraldError('GW_ERR_ISCOMPOSING_MALFORMED', detail);
}

/**
 * Parses an isComposing document. `state` is matched case-insensitively; a `refresh` that
 * is not a positive integer is ignored (RFC 3994 §3.3 defaults then apply), since the
 * indicator is advisory and dropping it over a bad hint would be worse.
 *
 * @throws GW_ERR_XML_FORBIDDEN, GW_ERR_XML_LIMIT, GW_ERR_XML_MALFORMED from the XML reader.
 * @throws GW_ERR_ISCOMPOSING_MALFORMED when the root is not `isComposing` or `state` is
 *   missing or neither `active` nor `idle`.
 */
export function parseIsComposing(input: Buffer | string, limits?: Partial<SafeXmlLimits>): IsComposing {
  return guardCodec('GW_ERR_ISCOMPOSING_MALFORMED', 'isComposing', () => {
    const root = parseXml(input, limits);
    if (root.name !== 'isComposing') malformed(`root element is <${root.name}>, not <isComposing>`);
    const state = xmlChildText(root, 'state')?.toLowerCase();
    if (state !== 'active' && state !== 'idle') malformed('<state> is missing or not active|idle');
    const refreshText = xmlChildText(root, 'refresh');
    const refresh = refreshText !== undefined && /^\d{1,9}$/.test(refreshText) ? Number(refreshText) : undefined;
    return {
      state,
      lastActive: xmlChildText(root, 'lastactive'),
      contentType: xmlChildText(root, 'contenttype'),
      refresh: refresh === 0 ? undefined : refresh,
    };
  });
}

/**
 * Writes an isComposing document (RFC 3994 §3), compact, elements in schema order.
 *
 * @throws GW_ERR_ISCOMPOSING_MALFORMED when `refresh` is not a positive integer.
 */
export function serializeIsComposing(doc: IsComposing): string {
  return guardCodec('GW_ERR_ISCOMPOSING_MALFORMED', 'isComposing', () => {
    if (doc.state !== 'active' && doc.state !== 'idle') malformed('state must be active or idle');
    if (doc.refresh !== undefined && (!Number.isInteger(doc.refresh) || doc.refresh < 1 || doc.refresh > 999_999_999)) {
      malformed('refresh must be a positive integer');
    }
    let xml = `<?xml version="1.0" encoding="UTF-8"?><isComposing xmlns="${ISCOMPOSING_NS}"><state>${doc.state}</state>`;
    if (doc.lastActive !== undefined) xml += `<lastactive>${escapeXmlText(doc.lastActive)}</lastactive>`;
    if (doc.contentType !== undefined) xml += `<contenttype>${escapeXmlText(doc.contentType)}</contenttype>`;
    if (doc.refresh !== undefined) xml += `<refresh>${doc.refresh}</refresh>`;
    return `${xml}</isComposing>`;
  });
}
