/**
 * multipart/* bodies (RFC 2046 §5.1) as SIP carries them, chiefly multipart/mixed for
 * multi-recipient MESSAGE (RFC 5365 §4: a recipient list part plus the message part).
 *
 * Tolerant: CRLF or LF line ends, transport padding after boundaries, parts without
 * headers, any header case; preamble and epilogue are ignored. Nested multipart parts are
 * parsed too (up to {@link MULTIPART_MAX_DEPTH}) and exposed as `multipart` next to the raw
 * `body`, which stays authoritative.
 */
import { heraldError } from '../errors.js';
import { formatContentType, tryParseContentType } from './content-type.js';
import { guardCodec } from './guard.js';
import { formatHeaderLine, headerValue, readHeaderBlock, type MimeHeader } from './mime-headers.js';

/** Most parts in one multipart body: RFC 5365 needs 2-3; bounds work per MESSAGE. */
export const MULTIPART_MAX_PARTS = 16;
/** Deepest multipart-in-multipart nesting: real bodies nest at most once; deeper nesting
 * only multiplies work. Depth 1 is the outer body. */
export const MULTIPART_MAX_DEPTH = 3;
/** Most header lines per part: real parts carry 1-4 short headers. */
export const MULTIPART_MAX_PART_HEADERS = 32;
/** Most header bytes per part, for the same reason. */
export const MULTIPART_MAX_PART_HEADER_BYTES = 8 * 1024;
/** Longest boundary accepted. RFC 2046 §5.1.1 allows 70; some peers exceed it a little. */
export const MULTIPART_MAX_BOUNDARY_LENGTH = 200;

/** One part of a multipart body. */
export interface MultipartPart {
  readonly headers: readonly MimeHeader[];
  readonly body: Buffer;
  /** The parsed body when the part is itself multipart/*. */
  readonly multipart?: MultipartBody | undefined;
}

/** A parsed multipart body. */
export interface MultipartBody {
  /** Lower-cased media type, e.g. `multipart/mixed`. */
  readonly mediaType: string;
  readonly boundary: string;
  readonly parts: readonly MultipartPart[];
}

/** Options of {@link parseMultipart}. */
export interface MultipartOptions {
  /** @defaultValue {@link MULTIPART_MAX_PARTS} */
  readonly maxParts?: number;
  /** @defaultValue {@link MULTIPART_MAX_DEPTH} */
  readonly maxDepth?: number;
}

function malformed(detail: string, meta?: Record<string, unknown>): never {
  throw heraldError('GW_ERR_MULTIPART_MALFORMED', detail, meta === undefined ? undefined : { meta });
}

/**
 * Parses a multipart body given its Content-Type header value (RFC 2046 §5.1.1).
 *
 * @throws GW_ERR_MULTIPART_MALFORMED when the type is not multipart/* or has no usable
 *   boundary, no part or no closing delimiter is found, a part's headers are unreadable,
 *   or a limit is exceeded (`meta.maxParts` / `meta.maxDepth`).
 */
export function parseMultipart(body: Buffer, contentType: string, options: MultipartOptions = {}): MultipartBody {
  const limits = { maxParts: options.maxParts ?? MULTIPART_MAX_PARTS, maxDepth: options.maxDepth ?? MULTIPART_MAX_DEPTH };
  return guardCodec('GW_ERR_MULTIPART_MALFORMED', 'multipart', () => parseAt(body, contentType, limits, 1));
}

function parseAt(body: Buffer, contentType: string, limits: Required<MultipartOptions>, depth: number): MultipartBody {
  if (depth > limits.maxDepth) malformed(`multipart nested deeper than ${limits.maxDepth}`, { maxDepth: limits.maxDepth });
  const ct = tryParseContentType(contentType);
  if (ct === undefined || ct.type !== 'multipart') malformed('content type is not multipart/*');
  const boundary = ct.params['boundary'];
  if (boundary === undefined || boundary === '' || boundary.length > MULTIPART_MAX_BOUNDARY_LENGTH) {
    malformed('missing or unusable boundary parameter');
  }
  const parts: MultipartPart[] = [];
  const delimiters = findDelimiters(body, boundary);
  for (let i = 0; i + 1 < delimiters.length; i += 1) {
    const here = delimiters[i];
    const next = delimiters[i + 1];
    if (here === undefined || next === undefined || here.close) break;
    if (parts.length >= limits.maxParts) malformed(`more than ${limits.maxParts} parts`, { maxParts: limits.maxParts });
    parts.push(parsePart(body.subarray(here.contentStart, Math.max(here.contentStart, next.lineStart)), limits, depth, parts.length + 1));
  }
  const last = delimiters[delimiters.length - 1];
  if (last === undefined || !last.close) malformed('no closing boundary delimiter');
  if (parts.length === 0) malformed('no body parts');
  return { mediaType: ct.mediaType, boundary, parts };
}

interface Delimiter {
  /** Where the line break before the delimiter line starts (part content ends here). */
  readonly lineStart: number;
  /** Just after the delimiter line. */
  readonly contentStart: number;
  readonly close: boolean;
}

function findDelimiters(body: Buffer, boundary: string): Delimiter[] {
  const marker = Buffer.from(`--${boundary}`, 'utf8');
  const found: Delimiter[] = [];
  let from = 0;
  for (;;) {
    const at = body.indexOf(marker, from);
    if (at === -1) return found;
    from = at + 1;
    if (at !== 0 && body[at - 1] !== 0x0a) continue;
    let i = at + marker.length;
    const close = body[i] === 0x2d && body[i + 1] === 0x2d;
    if (close) i += 2;
    while (body[i] === 0x20 || body[i] === 0x09) i += 1; // transport padding
    if (body[i] === 0x0d && body[i + 1] === 0x0a) i += 2;
    else if (body[i] === 0x0a) i += 1;
    else if (i < body.length) continue; // "--boundaryX": only a prefix of some other line
    let lineStart = at;
    if (at > 0) lineStart = at >= 2 && body[at - 2] === 0x0d ? at - 2 : at - 1;
    found.push({ lineStart, contentStart: i, close });
    if (close) return found;
  }
}

function parsePart(content: Buffer, limits: Required<MultipartOptions>, depth: number, index: number): MultipartPart {
  const block = readHeaderBlock(content, 0, {
    errorCode: 'GW_ERR_MULTIPART_MALFORMED',
    what: `part ${index} headers`,
    maxHeaders: MULTIPART_MAX_PART_HEADERS,
    maxBytes: MULTIPART_MAX_PART_HEADER_BYTES,
  });
  const body = Buffer.from(content.subarray(block.end));
  const headers = block.headers;
  const ct = tryParseContentType(headerValue(headers, 'content-type'));
  if (ct?.type !== 'multipart') return { headers, body };
  const contentType = headerValue(headers, 'content-type') ?? '';
  return { headers, body, multipart: parseAt(body, contentType, limits, depth + 1) };
}

/**
 * Writes a multipart body (RFC 2046 §5.1.1) with CRLF line ends and no preamble or
 * epilogue, and returns it with the Content-Type value to send it under.
 *
 * @throws GW_ERR_MULTIPART_MALFORMED when the boundary is not 1-70 RFC 2046 bchars, a part
 *   body contains the delimiter, there are no parts, the media type is not multipart/*,
 *   or a header cannot be written.
 */
export function serializeMultipart(
  multipart: Pick<MultipartBody, 'boundary' | 'parts'> & { readonly mediaType?: string | undefined },
): { readonly contentType: string; readonly body: Buffer } {
  return guardCodec('GW_ERR_MULTIPART_MALFORMED', 'multipart', () => {
    const { boundary, parts } = multipart;
    if (!/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)) malformed('boundary is not 1-70 RFC 2046 characters');
    if (parts.length === 0) malformed('cannot write a multipart body without parts');
    const marker = Buffer.from(`--${boundary}`, 'utf8');
    const chunks: Buffer[] = [];
    for (const part of parts) {
      if (part.body.subarray(0, marker.length).equals(marker) || part.body.includes(Buffer.concat([Buffer.from('\n'), marker]))) {
        malformed('a part body contains the boundary delimiter');
      }
      let head = `--${boundary}\r\n`;
      for (const h of part.headers) head += formatHeaderLine(h.name, h.value, 'GW_ERR_MULTIPART_MALFORMED');
      chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), part.body, Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
    const mediaType = multipart.mediaType ?? 'multipart/mixed';
    if (!/^multipart\/[0-9A-Za-z!#$&^_.+-]+$/i.test(mediaType)) malformed('media type is not multipart/*');
    return { contentType: formatContentType(mediaType, { boundary }), body: Buffer.concat(chunks) };
  });
}
