/**
 * Both SIP libraries treat a message as a JavaScript string. The edges keep that string in
 * latin1 ("binary": one char per byte) so a body round-trips byte for byte, including
 * deflated CPIM; these helpers cross between that wire text and Herald's Buffers and
 * UTF-8 strings.
 */

/** Wire text (latin1) → the bytes it stands for. */
export function bytesFromWire(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** Bytes (or a UTF-8 string) → wire text. */
export function bytesToWire(body: Buffer | string): string {
  return (typeof body === 'string' ? Buffer.from(body, 'utf8') : body).toString('latin1');
}

/** Wire text of a header value → the UTF-8 string a peer meant (RFC 3261 §25.1: UTF-8). */
export function textFromWire(text: string): string {
  return Buffer.from(text, 'latin1').toString('utf8');
}

/**
 * A header value Herald puts on the wire. CR and LF are folded to spaces so no value can
 * inject a header or end the header block early.
 */
export function headerToWire(value: string): string {
  return bytesToWire(value.replace(/[\r\n]+/g, ' ').trim());
}
