/**
 * What a number directory entry may hold, in one place for the JSON schema of PUT and
 * the row checks of the CSV import, so both accept exactly the same.
 */

/** Any absolute URI (sip:, sips:, im:, tel:, …) as routing builds the IM side. */
export const IM_URI_PATTERN = '^[A-Za-z][A-Za-z0-9+.-]*:\\S+$';
export const IM_URI_MAX = 512;
/** E.164 with its +: the form routing normalises numbers to (ITU-T E.164 §6: ≤ 15 digits). */
export const MSISDN_PATTERN = '^\\+[1-9][0-9]{1,14}$';
/** A mailbox, loosely: one @, no spaces or angle brackets. Delivery proves the rest. */
export const EMAIL_PATTERN = '^[^\\s@<>()]+@[^\\s@<>()]+$';
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254. */
export const EMAIL_MAX = 254;
export const DISPLAY_NAME_MAX = 200;

/** Why a field value is refused, or undefined when it is fine. */
export type FieldCheck = (value: string) => string | undefined;

export const checkImUri: FieldCheck = (value) =>
  value.length > IM_URI_MAX ? `is longer than ${IM_URI_MAX}` : new RegExp(IM_URI_PATTERN).test(value) ? undefined : 'must be a URI such as sip:alice@example.com';

export const checkMsisdn: FieldCheck = (value) =>
  new RegExp(MSISDN_PATTERN).test(value) ? undefined : 'must be E.164 with +, e.g. +15551234567';

export const checkEmail: FieldCheck = (value) =>
  value.length > EMAIL_MAX ? `is longer than ${EMAIL_MAX}` : new RegExp(EMAIL_PATTERN).test(value) ? undefined : 'must be an email address';

export const checkDisplayName: FieldCheck = (value) =>
  value.length > DISPLAY_NAME_MAX ? `is longer than ${DISPLAY_NAME_MAX}` : /[\u0000-\u001f\u007f]/.test(value) ? 'must not hold control characters' : undefined;

const TRUE = new Set(['true', '1', 'yes', 'y']);
const FALSE = new Set(['false', '0', 'no', 'n', '']);

/** archive_enabled as a CSV cell: true/false, 1/0, yes/no; empty is false. */
export function parseFlag(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}
