/**
 * Content-Type header values (RFC 2045 §5.1, RFC 3261 §20.15): the small parser the other
 * codecs share, so they all agree on case, quoting and parameters.
 */
import { heraldError } from '../errors.js';

/** A parsed Content-Type value. */
export interface ContentType {
  /** Top-level type, lower-cased (`multipart`). */
  readonly type: string;
  /** Subtype, lower-cased (`mixed`). */
  readonly subtype: string;
  /** `type/subtype`, lower-cased: what codecs compare against. */
  readonly mediaType: string;
  /** Parameters by lower-cased name, values unquoted and otherwise as sent. */
  readonly params: Readonly<Record<string, string>>;
}

// RFC 2045 token: any CHAR except SPACE, CTLs and tspecials.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function isWs(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

/**
 * Parses a Content-Type header value. Parameters that cannot be read (no `=`, bad name)
 * are skipped rather than fatal: the media type is what matters and peers vary; the first
 * of two same-named parameters wins.
 *
 * @throws GW_ERR_CONTENT_UNSUPPORTED_TYPE when no `type/subtype` can be read.
 */
export function parseContentType(value: string): ContentType {
  const semi = value.indexOf(';');
  const media = (semi === -1 ? value : value.slice(0, semi)).trim();
  const slash = media.indexOf('/');
  const type = slash === -1 ? '' : media.slice(0, slash).trim().toLowerCase();
  const subtype = slash === -1 ? '' : media.slice(slash + 1).trim().toLowerCase();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) {
    throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', `unreadable content type ${JSON.stringify(value.slice(0, 80))}`);
  }
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (semi !== -1) readParams(value, semi, params);
  return { type, subtype, mediaType: `${type}/${subtype}`, params };
}

/** Like {@link parseContentType} but answers `undefined` for an absent or unreadable value. */
export function tryParseContentType(value: string | undefined): ContentType | undefined {
  if (value === undefined) return undefined;
  try {
    return parseContentType(value);
  } catch {
    return undefined;
  }
}

function readParams(value: string, start: number, out: Record<string, string>): void {
  let i = start;
  const n = value.length;
  while (i < n) {
    // At a ';' (or junk): move past it and any whitespace.
    while (i < n && (value[i] === ';' || isWs(value[i]))) i += 1;
    const nameStart = i;
    while (i < n && value[i] !== '=' && value[i] !== ';') i += 1;
    const name = value.slice(nameStart, i).trim().toLowerCase();
    if (i >= n || value[i] === ';') continue;
    i += 1; // '='
    while (i < n && isWs(value[i])) i += 1;
    let paramValue = '';
    if (value[i] === '"') {
      i += 1;
      while (i < n && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < n) i += 1;
        paramValue += value[i];
        i += 1;
      }
      i += 1; // closing quote (or past the end when unterminated: tolerated)
      while (i < n && value[i] !== ';') i += 1;
    } else {
      const valueStart = i;
      while (i < n && value[i] !== ';') i += 1;
      paramValue = value.slice(valueStart, i).trim();
    }
    if (TOKEN.test(name) && !(name in out)) out[name] = paramValue;
  }
}

/**
 * Formats a media type and parameters, quoting values that are not tokens.
 *
 * @throws GW_ERR_CONTENT_UNSUPPORTED_TYPE when the media type or a parameter name is not a
 *   token, or a value holds a line break (header injection).
 */
export function formatContentType(mediaType: string, params: Readonly<Record<string, string>> = {}): string {
  const [type, subtype, extra] = mediaType.split('/');
  if (type === undefined || subtype === undefined || extra !== undefined || !TOKEN.test(type) || !TOKEN.test(subtype)) {
    throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', `not a media type: ${JSON.stringify(mediaType.slice(0, 80))}`);
  }
  let out = mediaType;
  for (const [name, value] of Object.entries(params)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) {
      throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', `unwritable parameter ${JSON.stringify(name.slice(0, 40))}`);
    }
    out += `;${name}=${TOKEN.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`}`;
  }
  return out;
}
