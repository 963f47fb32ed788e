/**
 * From the bytes of a MESSAGE body to what it means: text for a person, an IMDN, a typing
 * indicator, or media. The codecs do the parsing; this decides what each content type is.
 */
import { decodeCharsetStrict } from '../codecs/charset.js';
import { decodeContentEncoding } from '../codecs/content-encoding.js';
import { parseContentType, type ContentType } from '../codecs/content-type.js';
import { parseCpim, type CpimMessage } from '../codecs/cpim.js';
import { parseImdn } from '../codecs/imdn.js';
import { extractImdnRequest } from '../codecs/imdn-request.js';
import { parseIsComposing } from '../codecs/is-composing.js';
import { heraldError } from '../errors.js';
import type { CpimEnvelope, InboundContent } from './inbound-content.js';

const IS_COMPOSING = 'application/im-iscomposing+xml';
const IMDN = 'message/imdn+xml';
const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'application']);

/**
 * Undoes Content-Encoding (deflate, gzip) with a cap on the inflated size.
 * @throws GW_ERR_CONTENT_UNSUPPORTED_ENCODING, GW_ERR_ENCODING_LIMIT, GW_ERR_ENCODING_CORRUPT
 */
export function decodeBody(body: Buffer, contentEncoding: string | undefined, maxInflatedBytes: number): Buffer {
  return decodeContentEncoding(body, contentEncoding, maxInflatedBytes);
}

/**
 * Decodes text in its declared charset (UTF-8 when none). Trailing line breaks are
 * dropped: they are framing left by some senders, and on SMS they would cost characters.
 * @throws GW_ERR_CONTENT_CHARSET for an unknown charset or bytes invalid in it.
 */
export function decodeText(body: Buffer, charset: string | undefined): string {
  return decodeCharsetStrict(body, charset).replace(/[\r\n]+$/, '');
}

function envelopeOf(cpim: CpimMessage): CpimEnvelope {
  const request = extractImdnRequest(cpim);
  const dateTime = cpim.dateTime === undefined ? undefined : new Date(cpim.dateTime);
  return {
    from: cpim.from,
    to: cpim.to,
    subject: cpim.subjects[0]?.text,
    dateTime: dateTime !== undefined && Number.isFinite(dateTime.getTime()) ? dateTime : undefined,
    imdnMessageId: request.messageId,
    imdnRequests: request.dispositionNotification,
    imdnRoute: request.imdnRecordRoute,
    originalTo: request.originalTo?.uri,
  };
}

function classify(body: Buffer, type: ContentType, envelope: CpimEnvelope | undefined): InboundContent {
  switch (type.mediaType) {
    case 'text/plain':
      return { kind: 'text', text: decodeText(body, type.params.charset), mediaType: type.mediaType, envelope };
    case IMDN: {
      const imdn = parseImdn(body);
      const datetime = new Date(imdn.datetime);
      return {
        kind: 'notification',
        messageId: imdn.messageId,
        notificationType: imdn.notification.type,
        status: imdn.notification.status,
        datetime: Number.isFinite(datetime.getTime()) ? datetime : undefined,
        envelope,
      };
    }
    case IS_COMPOSING:
      // Parsed so a malformed indicator is a 400 like any other malformed body.
      parseIsComposing(body);
      return { kind: 'is-composing', envelope };
    default:
      if (MEDIA_TYPES.has(type.type)) return { kind: 'media', mediaType: type.mediaType, body, envelope };
      throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', type.mediaType);
  }
}

/**
 * @throws GW_ERR_SIP_MALFORMED for an empty body; GW_ERR_CONTENT_UNSUPPORTED_TYPE;
 *   GW_ERR_CPIM_MALFORMED, GW_ERR_IMDN_MALFORMED, GW_ERR_XML_*, GW_ERR_ISCOMPOSING_MALFORMED
 *   and GW_ERR_CONTENT_CHARSET from the codecs.
 */
export function parseContent(body: Buffer, contentTypeHeader: string | undefined): InboundContent {
  if (body.length === 0) throw heraldError('GW_ERR_SIP_MALFORMED', 'MESSAGE without a body');
  const outer = parseContentType(contentTypeHeader ?? 'text/plain');
  if (outer.mediaType !== 'message/cpim') return classify(body, outer, undefined);
  const cpim = parseCpim(body);
  const envelope = envelopeOf(cpim);
  const inner = parseContentType(cpim.contentType ?? 'text/plain');
  if (inner.mediaType === 'message/cpim') throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', 'CPIM nested in CPIM');
  return classify(cpim.body, inner, envelope);
}
