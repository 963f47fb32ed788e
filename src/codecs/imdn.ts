/**
 * message/imdn+xml (RFC 5438, "IMDN Format" and its XML schema) with the OMA CPM
 * interworking extension (`urn:oma:xml:cpm:imdn-extensions:1.0`, OMA CPM, GSMA RCS).
 *
 * Writing follows the RFC 5438 schema element order (message-id, datetime, recipient-uri,
 * original-recipient-uri, subject, then exactly one notification), compact with no
 * whitespace between elements.
 *
 * Error reason (Herald extension): RFC 5438 has no element for a human-readable reason
 * for `failed`/`error`/`forbidden`. Herald writes one as
 * `<error-reason xmlns="urn:x-herald:imdn:error" code="…">text</error-reason>` inside the
 * notification element, after `<status>`. The RFC 5438 schema allows elements of other
 * namespaces there (`xs:any namespace="##other"`), so schema-checking peers accept it and
 * others ignore it. `code` (optional) carries the far side's code (SMPP error, DSN status).
 *
 * Reading matches local names, not namespaces, because stacks disagree (some put
 * `interworking-notification` in the IETF namespace and only the status child in the CPM
 * one); the Herald reason alone is matched by namespace so a peer's own `error-reason`
 * cannot be mistaken for it. Unknown elements are ignored.
 */
import { heraldError } from '../errors.js';
import { guardCodec } from './guard.js';
import { escapeXmlAttr, escapeXmlText, parseXml, xmlChild, xmlChildText, type SafeXmlLimits, type XmlElement } from './safe-xml.js';

/** IMDN XML namespace (RFC 5438, IANA registration). */
export const IMDN_XML_NS = 'urn:ietf:params:xml:ns:imdn';
/** OMA CPM IMDN extensions namespace (interworking-notification). */
export const CPM_IMDN_EXT_NS = 'urn:oma:xml:cpm:imdn-extensions:1.0';
/** Herald's extension namespace for the error reason (see the module comment). */
export const HERALD_IMDN_ERROR_NS = 'urn:x-herald:imdn:error';
/** Content type of an IMDN body. */
export const IMDN_CONTENT_TYPE = 'message/imdn+xml';

/** Status values of a delivery-notification. */
export type ImdnDeliveryStatus = 'delivered' | 'failed' | 'forbidden' | 'error';
/** Status values of a display-notification. */
export type ImdnDisplayStatus = 'displayed' | 'forbidden' | 'error';
/** Status values of a processing-notification. */
export type ImdnProcessingStatus = 'processed' | 'stored' | 'forbidden' | 'error';
/** Status values of an OMA CPM interworking-notification. */
export type ImdnInterworkingStatus = 'legacy-sms' | 'legacy-mms' | 'error';

/** The one notification an IMDN carries. */
export type ImdnNotification =
  | { readonly type: 'delivery'; readonly status: ImdnDeliveryStatus }
  | { readonly type: 'display'; readonly status: ImdnDisplayStatus }
  | { readonly type: 'processing'; readonly status: ImdnProcessingStatus }
  | { readonly type: 'interworking'; readonly status: ImdnInterworkingStatus };

/** An IMDN document. */
export interface Imdn {
  /** imdn.Message-ID of the message this reports on. */
  readonly messageId: string;
  /** When the reported event happened (RFC 5438 `<datetime>`; Herald sends the far side's time, REQ-DISNOT-6). */
  readonly datetime: string;
  readonly recipientUri?: string | undefined;
  readonly originalRecipientUri?: string | undefined;
  readonly subject?: string | undefined;
  readonly notification: ImdnNotification;
  /** Human-readable reason (Herald extension, see the module comment). */
  readonly errorReason?: string | undefined;
  /** Far-side code for the reason, e.g. `smpp:0x0000000B` or `5.1.1` (Herald extension). */
  readonly errorCode?: string | undefined;
}

const STATUSES: { readonly [K in ImdnNotification['type']]: readonly string[] } = {
  delivery: ['delivered', 'failed', 'forbidden', 'error'],
  display: ['displayed', 'forbidden', 'error'],
  processing: ['processed', 'stored', 'forbidden', 'error'],
  interworking: ['legacy-sms', 'legacy-mms', 'error'],
};
const TYPES = Object.keys(STATUSES) as ImdnNotification['type'][];

function malformed(detail: string): never {
  throw heraldError('GW_ERR_IMDN_MALFORMED', detail);
}

/**
 * Parses a message/imdn+xml body (RFC 5438 "IMDN Format", OMA CPM interworking extension).
 *
 * @throws GW_ERR_XML_FORBIDDEN, GW_ERR_XML_LIMIT, GW_ERR_XML_MALFORMED from the XML reader.
 * @throws GW_ERR_IMDN_MALFORMED when the root is not `imdn`, `message-id` or `datetime` is
 *   missing, there is not exactly one notification, or its status is missing or unknown.
 */
export function parseImdn(input: Buffer | string, limits?: Partial<SafeXmlLimits>): Imdn {
  return guardCodec('GW_ERR_IMDN_MALFORMED', 'IMDN', () => {
    const root = parseXml(input, limits);
    if (root.name !== 'imdn') malformed(`root element is <${root.name}>, not <imdn>`);
    const messageId = xmlChildText(root, 'message-id');
    if (messageId === undefined) malformed('no <message-id>');
    const datetime = xmlChildText(root, 'datetime');
    if (datetime === undefined) malformed('no <datetime>');
    const found = root.children.filter((c) => TYPES.some((t) => c.name === `${t}-notification`));
    if (found.length !== 1 || found[0] === undefined) malformed(`${found.length} notification elements, expected exactly one`);
    const element = found[0];
    const notification = readNotification(element);
    const reason = element.children.find((c) => c.name === 'error-reason' && c.ns === HERALD_IMDN_ERROR_NS);
    const errorReason = reason?.text.trim() || undefined;
    const errorCode = reason?.attrs['code']?.trim() || undefined;
    return {
      messageId,
      datetime,
      recipientUri: xmlChildText(root, 'recipient-uri'),
      originalRecipientUri: xmlChildText(root, 'original-recipient-uri'),
      subject: xmlChildText(root, 'subject'),
      notification,
      errorReason,
      errorCode,
    };
  });
}

function readNotification(element: XmlElement): ImdnNotification {
  const type = element.name.slice(0, -'-notification'.length) as ImdnNotification['type'];
  const status = xmlChild(element, 'status');
  if (status === undefined) malformed(`<${element.name}> has no <status>`);
  const values = status.children.map((c) => c.name).filter((n) => STATUSES[type].includes(n));
  const unique = [...new Set(values)];
  if (unique.length !== 1) {
    malformed(unique.length === 0 ? `<${element.name}> has no known status` : `<${element.name}> has several statuses`);
  }
  return { type, status: unique[0] } as ImdnNotification;
}

/**
 * Writes a message/imdn+xml body (RFC 5438 "IMDN Format"): XML declaration, `<imdn>` in
 * the IETF namespace, elements in RFC order, compact. An interworking notification is written in the
 * OMA CPM namespace with the `cpm` prefix, as OMA CPM and GSMA RCS peers expect.
 *
 * @throws GW_ERR_IMDN_MALFORMED when messageId or datetime is empty, or the status does not
 *   belong to the notification type.
 */
export function serializeImdn(imdn: Imdn): string {
  return guardCodec('GW_ERR_IMDN_MALFORMED', 'IMDN', () => {
    if (imdn.messageId.trim() === '') malformed('cannot write an IMDN without message-id');
    if (imdn.datetime.trim() === '') malformed('cannot write an IMDN without datetime');
    const { type, status } = imdn.notification;
    if (!STATUSES[type]?.includes(status)) malformed(`status ${status} does not belong to ${type}-notification`);
    const interworking = type === 'interworking';
    let xml = '<?xml version="1.0" encoding="UTF-8"?>';
    xml += `<imdn xmlns="${IMDN_XML_NS}"${interworking ? ` xmlns:cpm="${CPM_IMDN_EXT_NS}"` : ''}>`;
    xml += `<message-id>${escapeXmlText(imdn.messageId)}</message-id>`;
    xml += `<datetime>${escapeXmlText(imdn.datetime)}</datetime>`;
    if (imdn.recipientUri !== undefined) xml += `<recipient-uri>${escapeXmlText(imdn.recipientUri)}</recipient-uri>`;
    if (imdn.originalRecipientUri !== undefined) {
      xml += `<original-recipient-uri>${escapeXmlText(imdn.originalRecipientUri)}</original-recipient-uri>`;
    }
    if (imdn.subject !== undefined) xml += `<subject>${escapeXmlText(imdn.subject)}</subject>`;
    const p = interworking ? 'cpm:' : '';
    xml += `<${p}${type}-notification><${p}status><${p}${status}/></${p}status>`;
    if (imdn.errorReason !== undefined || imdn.errorCode !== undefined) {
      const code = imdn.errorCode === undefined ? '' : ` code="${escapeXmlAttr(imdn.errorCode)}"`;
      xml += `<error-reason xmlns="${HERALD_IMDN_ERROR_NS}"${code}>${escapeXmlText(imdn.errorReason ?? '')}</error-reason>`;
    }
    xml += `</${p}${type}-notification></imdn>`;
    return xml;
  });
}
