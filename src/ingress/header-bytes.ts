/**
 * Bytes no stored header may carry. PostgreSQL refuses NUL in text (and its error text
 * must never reach a peer), control characters break logs and the headers Herald writes
 * later, and U+FFFD is what the edges make of invalid UTF-8 (RFC 3261 §25.1 asks for
 * UTF-8). Found here, they are a 400 naming the header and the fault. Pure.
 */
import { heraldError, type ErrorCode } from '../errors.js';

/** C0 controls except HTAB, DEL, and the replacement character. */
const BAD = /[\u0000-\u0008\u000a-\u001f\u007f\ufffd]/u;
/** A lone UTF-16 surrogate: a string no UTF-8 encoder can write faithfully. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with `value`, or undefined when nothing is. */
export function badBytes(value: string): string | undefined {
  const m = BAD.exec(value);
  if (m !== null) {
    const ch = m[0];
    if (ch === '\u0000') return 'NUL byte';
    if (ch === '\ufffd') return 'invalid UTF-8';
    return `control character U+${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0').toUpperCase()}`;
  }
  return LONE_SURROGATE.test(value) ? 'invalid UTF-8' : undefined;
}

/**
 * @param fields header name → value(s), e.g. `{ From: '…', 'Call-ID': '…' }`.
 * @throws `code` (GW_ERR_SIP_INVALID_BYTES by default) naming the first bad header.
 */
export function checkHeaderBytes(
  fields: Readonly<Record<string, string | readonly (string | undefined)[] | undefined>>,
  code: ErrorCode = 'GW_ERR_SIP_INVALID_BYTES',
): void {
  for (const [name, value] of Object.entries(fields)) {
    const values = typeof value === 'string' ? [value] : (value ?? []);
    for (const v of values) {
      const fault = v === undefined ? undefined : badBytes(v);
      if (fault !== undefined) throw heraldError(code, `${fault} in ${name}`, { meta: { header: name, fault } });
    }
  }
}
