/**
 * Decides which network a recipient URI goes out on. Pure: no directory look-ups here
 * (those happen for MO traffic, towards IM users).
 *
 * - `tel:+E164`, `sip:+E164@…` (with or without `;user=phone`) → SMS to tel:+E164;
 * - `sip:digits@…;user=phone` or `tel:` national numbers → SMS when a default country code
 *   is configured;
 * - `mailto:x@y`, and `sip:x@y` where y is a configured email domain → email;
 * - `sip:x%40y@<any host>` → email to x@y: the form Herald gives an email contact outside
 *   the email domains (egress/sender-uri.ts), so an IM user can answer a relayed reply;
 * - anything else is unroutable (a 404 at ingress).
 */
import type { Channel } from '../domain/message.js';
import { heraldError } from '../errors.js';

export interface RoutingRules {
  readonly emailDomains: readonly string[];
  readonly defaultCountryCode?: string | undefined;
}

export interface Route {
  readonly channel: Exclude<Channel, 'sip'>;
  /** What Herald actually reaches: tel:+E164 or mailto:addr. */
  readonly targetUri: string;
  /** For a number dialled nationally (no +), how many digits it had: short codes are told by it. */
  readonly nationalDigits?: number | undefined;
}

/** E.164 allows at most 15 digits; fewer than 3 cannot be a subscriber number. */
const E164 = /^\+[1-9]\d{2,14}$/;
const NATIONAL = /^\d{3,15}$/;
/** Visual separators RFC 3966 allows inside phone numbers. */
const VISUAL_SEPARATORS = /[-.()\s]/g;
const EMAIL = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$|^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9-]+$/;

function smsRoute(number: string, rules: RoutingRules): Route | undefined {
  const digits = number.replace(VISUAL_SEPARATORS, '');
  if (E164.test(digits)) return { channel: 'sms', targetUri: `tel:${digits}` };
  if (NATIONAL.test(digits) && rules.defaultCountryCode !== undefined) {
    const national = digits.replace(/^0+/, '');
    const candidate = `+${rules.defaultCountryCode}${national}`;
    if (E164.test(candidate)) return { channel: 'sms', targetUri: `tel:${candidate}`, nationalDigits: national.length };
  }
  return undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Splits `scheme:user@host;params?headers` into its parts (lower-cased scheme and host). */
export function splitUri(uri: string): { scheme: string; user?: string; host?: string; params: Map<string, string> } {
  const trimmed = uri.trim().replace(/^<|>$/g, '');
  const colon = trimmed.indexOf(':');
  if (colon <= 0) throw heraldError('GW_ERR_ROUTE_UNROUTABLE', `not a URI: ${JSON.stringify(uri.slice(0, 80))}`);
  const scheme = trimmed.slice(0, colon).toLowerCase();
  const rest = trimmed.slice(colon + 1).split('?')[0] ?? '';
  const [main = '', ...paramParts] = rest.split(';');
  const params = new Map<string, string>();
  for (const part of paramParts) {
    const [name = '', value = ''] = part.split('=');
    params.set(name.toLowerCase(), value);
  }
  const at = main.lastIndexOf('@');
  if (at < 0) return scheme === 'tel' ? { scheme, user: safeDecode(main), params } : { scheme, host: main.toLowerCase(), params };
  return { scheme, user: safeDecode(main.slice(0, at)), host: main.slice(at + 1).toLowerCase(), params };
}

/**
 * @throws GW_ERR_ROUTE_UNROUTABLE with the URI when no channel takes it.
 */
export function routeRecipient(uri: string, rules: RoutingRules): Route {
  const parts = splitUri(uri);
  const unroutable = (): never => {
    throw heraldError('GW_ERR_ROUTE_UNROUTABLE', uri.slice(0, 200), { meta: { uri } });
  };
  if (parts.scheme === 'tel') return smsRoute(parts.user ?? '', rules) ?? unroutable();
  if (parts.scheme === 'mailto') {
    const address = `${parts.user ?? ''}@${parts.host ?? ''}`;
    return parts.user && parts.host && EMAIL.test(address) ? { channel: 'email', targetUri: `mailto:${address}` } : unroutable();
  }
  if (parts.scheme === 'sip' || parts.scheme === 'sips') {
    const user = parts.user ?? '';
    const host = parts.host?.replace(/:\d+$/, '') ?? '';
    const isPhone = parts.params.get('user') === 'phone' || user.startsWith('+');
    if (isPhone) return smsRoute(user, rules) ?? unroutable();
    // An escaped address as the user part (`remote.person%40example.com`): the host is
    // only the gateway's domain, the address is the whole user part. Nothing new is
    // reachable this way: the same address is routable as mailto:.
    if (user.includes('@')) return EMAIL.test(user) ? { channel: 'email', targetUri: `mailto:${user}` } : unroutable();
    if (user !== '' && rules.emailDomains.some((d) => d.toLowerCase() === host)) {
      const address = `${user}@${host}`;
      return EMAIL.test(address) ? { channel: 'email', targetUri: `mailto:${address}` } : unroutable();
    }
  }
  return unroutable();
}
