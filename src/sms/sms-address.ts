/**
 * Phone numbers between Herald's URIs (tel:+E164) and SMPP addresses (digits + TON/NPI).
 * Pure.
 */
import { heraldError } from '../errors.js';
import type { SmsAddress } from '../ports/sms-gateway.port.js';

/** SMPP 3.4 §5.2.5 type of number. */
export const TON_UNKNOWN = 0;
export const TON_INTERNATIONAL = 1;
export const TON_NATIONAL = 2;
export const TON_ALPHANUMERIC = 5;
/** SMPP 3.4 §5.2.6 numbering plan: ISDN (E.164). */
export const NPI_ISDN = 1;

const E164 = /^\+[1-9]\d{2,14}$/;

/**
 * The E.164 number of an SMS delivery's target (`tel:+4915…`, as routing writes it).
 * @throws GW_ERR_ROUTE_UNROUTABLE when the URI is not a global tel: number.
 */
export function msisdnOfTarget(targetUri: string): string {
  const number = targetUri.startsWith('tel:') ? (targetUri.slice(4).split(';')[0] ?? '') : '';
  if (!E164.test(number)) throw heraldError('GW_ERR_ROUTE_UNROUTABLE', `not an E.164 tel: URI: ${targetUri.slice(0, 80)}`, { meta: { uri: targetUri } });
  return number;
}

/** An international SMPP address for an E.164 number (digits without the +). */
export function smsAddressOf(e164: string): SmsAddress {
  return { address: e164.replace(/^\+/, ''), ton: TON_INTERNATIONAL, npi: NPI_ISDN };
}

/**
 * The E.164 form of an address an SMSC sent, or undefined when it is not a phone number
 * (an alphanumeric sender id) or is national without a country code to complete it.
 * TON unknown with digits is read as international: most SMSCs send it that way.
 */
export function e164OfSmsAddress(address: SmsAddress, defaultCountryCode?: string): string | undefined {
  const raw = address.address.trim();
  if (address.ton === TON_ALPHANUMERIC) return undefined;
  const digits = raw.replace(/^\+/, '');
  if (!/^\d{3,15}$/.test(digits)) return undefined;
  if (address.ton === TON_NATIONAL || (address.ton !== TON_INTERNATIONAL && raw.startsWith('0'))) {
    if (defaultCountryCode === undefined) return undefined;
    const candidate = `+${defaultCountryCode}${digits.replace(/^0+/, '')}`;
    return E164.test(candidate) ? candidate : undefined;
  }
  const candidate = `+${digits}`;
  return E164.test(candidate) ? candidate : undefined;
}
