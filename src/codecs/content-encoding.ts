/**
 * Content-Encoding of SIP bodies (RFC 3261 §20.12; codings from RFC 9110 §8.4.1):
 * identity, deflate and gzip. liblinphone deflates CPIM bodies of IMDNs and isComposing.
 *
 * The inflated size is capped while inflating (zlib's `maxOutputLength` stops the inflater
 * as soon as the output would pass the cap), so a deflate bomb costs at most the cap in
 * memory and a few milliseconds, never the size it claims.
 */
import { constants, deflateSync, gzipSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { heraldError } from '../errors.js';
import { guardCodec } from './guard.js';

/** Codings Herald decodes, for an `Accept-Encoding` header in 415 answers and OPTIONS. */
export const SUPPORTED_CONTENT_ENCODINGS = ['deflate', 'gzip', 'identity'] as const;
/** Most codings stacked in one header (`gzip, deflate`): real peers use one; each extra
 * layer multiplies the work a small body can demand. */
export const CONTENT_ENCODING_MAX_LAYERS = 2;

/** A coding {@link encodeContentEncoding} can produce. */
export type ContentCoding = (typeof SUPPORTED_CONTENT_ENCODINGS)[number];

function isZlibHeader(body: Buffer): boolean {
  const cmf = body[0];
  const flg = body[1];
  // RFC 1950 §2.2: CM = 8 (deflate), CINFO ≤ 7, and the header is a multiple of 31.
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0;
}

function isGzipHeader(body: Buffer): boolean {
  return body[0] === 0x1f && body[1] === 0x8b;
}

function inflateOne(body: Buffer, maxBytes: number): Buffer {
  const options = { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH };
  // Peers label codings loosely: "deflate" arrives as a zlib stream (RFC 1950, correct),
  // as raw deflate (RFC 1951, older browsers and some SIP stacks) or even gzip. The magic
  // bytes decide, whichever of the two tokens was sent.
  try {
    if (isGzipHeader(body)) return gunzipSync(body, { maxOutputLength: maxBytes });
    if (isZlibHeader(body)) return inflateSync(body, { maxOutputLength: maxBytes });
    return inflateRawSync(body, options);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw heraldError('GW_ERR_ENCODING_LIMIT', `inflated body exceeds ${maxBytes} bytes`, { meta: { maxBytes }, cause: err });
    }
    throw heraldError('GW_ERR_ENCODING_CORRUPT', `cannot inflate (${String(code ?? 'error')})`, { cause: err });
  }
}

/**
 * Decodes a body according to its Content-Encoding header value. Codings are undone last
 * first (RFC 9110 §8.4); `identity`, an empty or absent header leave the body as is (and
 * uncapped: only inflation can make a body larger than what arrived).
 *
 * @param maxInflatedBytes - cap on each inflated layer, in bytes (a positive integer).
 * @throws GW_ERR_CONTENT_UNSUPPORTED_ENCODING for an unknown coding or too many layers
 *   (`meta.encoding`).
 * @throws GW_ERR_ENCODING_LIMIT when inflating would pass the cap (`meta.maxBytes`).
 * @throws GW_ERR_ENCODING_CORRUPT when the compressed data is invalid or truncated.
 * @throws GW_ERR_GATEWAY_INTERNAL when `maxInflatedBytes` is not a positive integer (a caller bug).
 */
export function decodeContentEncoding(body: Buffer, encodingHeader: string | undefined, maxInflatedBytes: number): Buffer {
  return guardCodec('GW_ERR_ENCODING_CORRUPT', 'content encoding', () => {
    if (!Number.isSafeInteger(maxInflatedBytes) || maxInflatedBytes < 1) {
      throw heraldError('GW_ERR_GATEWAY_INTERNAL', `maxInflatedBytes must be a positive integer, got ${maxInflatedBytes}`);
    }
    const codings = (encodingHeader ?? '')
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== '' && c !== 'identity');
    if (codings.length > CONTENT_ENCODING_MAX_LAYERS) {
      throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_ENCODING', `more than ${CONTENT_ENCODING_MAX_LAYERS} codings`, {
        meta: { encoding: encodingHeader },
      });
    }
    for (const c of codings) {
      if (c !== 'deflate' && c !== 'gzip' && c !== 'x-gzip') {
        throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_ENCODING', JSON.stringify(c.slice(0, 40)), { meta: { encoding: c } });
      }
    }
    let out = body;
    for (let i = codings.length - 1; i >= 0; i -= 1) out = inflateOne(out, maxInflatedBytes);
    return out;
  });
}

/**
 * Compresses a body for sending with `Content-Encoding: deflate` (zlib stream, RFC 1950)
 * or `gzip` (RFC 1952). `identity` returns the body unchanged.
 */
export function encodeContentEncoding(body: Buffer, encoding: ContentCoding): Buffer {
  if (encoding === 'deflate') return deflateSync(body);
  if (encoding === 'gzip') return gzipSync(body);
  return body;
}
