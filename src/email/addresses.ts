/**
 * Email addresses the channel reads and writes: the mailto: target of a delivery, the
 * addr-spec inside a From/To value, and the reply token inside a Reply-To address.
 */
import { randomBytes } from 'node:crypto';
import { heraldError } from '../errors.js';

/** Reply tokens are base64url: nothing in them needs quoting in a local part. */
const TOKEN = '[A-Za-z0-9_-]{8,64}';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `mailto:bob%40x@example.com?subject=…` → `bob@x@…`-safe addr-spec (RFC 6068: hfields
 * dropped, percent-decoded). Lower-cases the domain only: local parts are case-sensitive.
 * @throws GW_ERR_EMAIL_ADDRESS when the URI is not a mailto: with one plain address.
 */
export function mailtoAddress(uri: string): string {
  if (!/^mailto:/i.test(uri)) throw heraldError('GW_ERR_EMAIL_ADDRESS', `not a mailto: URI: ${uri.slice(0, 200)}`);
  let address: string;
  try {
    address = decodeURIComponent(uri.slice(7).split('?')[0] ?? '');
  } catch {
    throw heraldError('GW_ERR_EMAIL_ADDRESS', `bad percent-encoding: ${uri.slice(0, 200)}`);
  }
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || /[\s<>,;"\\\u0000-\u001f\u007f]/u.test(address)) {
    throw heraldError('GW_ERR_EMAIL_ADDRESS', address.slice(0, 200));
  }
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}

/** The addr-spec of `Name <a@b>` or `a@b`; undefined when there is none. */
export function addrSpecOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (angle?.[1] !== undefined) return angle[1];
  return /([^\s<>"(),;:]+@[^\s<>"(),;:]+)/.exec(value)?.[1];
}

/** The display name of `"Name" <a@b>`, unquoted; undefined when there is none. */
export function displayNameOf(value: string | undefined): string | undefined {
  const name = value?.split('<')[0]?.trim().replace(/^"(.*)"$/, '$1').trim();
  return name === undefined || name === '' || name.includes('@') ? undefined : name;
}

/**
 * A new reply token: 128 random bits in lower-case hex. Mail systems may change the case
 * of a local part (RFC 5321 lets them treat it as case-insensitive, and many do), so a
 * token must survive lower-casing; base64url would not.
 */
export function newReplyToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The spellings of a found token to look up, most likely first: as written, then lower
 * case (tokens issued since case-insensitive matching are stored lower-case).
 */
export function replyTokenKeys(token: string): string[] {
  const lower = token.toLowerCase();
  return lower === token ? [token] : [token, lower];
}

/** The Reply-To address for `token`. */
export function replyAddressFor(template: string, token: string): string {
  return template.replace('{token}', token);
}

/**
 * Finds the reply token in `addresses` (Delivered-To first: the MTA wrote it and it
 * survives a client that rewrites To), matching the template case-insensitively.
 */
export function replyTokenIn(template: string, addresses: readonly string[]): string | undefined {
  const [before = '', after = ''] = template.split('{token}');
  const pattern = new RegExp(`^${escapeRegExp(before)}(${TOKEN})${escapeRegExp(after)}$`, 'i');
  for (const value of addresses) {
    const address = addrSpecOf(value);
    const token = address === undefined ? undefined : pattern.exec(address)?.[1];
    if (token !== undefined) return token;
  }
  return undefined;
}
