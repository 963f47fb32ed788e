/**
 * MSRP frames as the codec hands them out (RFC 4975 §7, grammar in §9). A frame is one
 * request (SEND, REPORT, or a method Herald does not know) or one response; a SEND carries
 * one chunk of a message, whose place in it is its Byte-Range.
 */

/** The end-line's continuation flag: `$` last chunk, `+` more follow, `#` message aborted. */
export type ContinuationFlag = '$' | '+' | '#';

export interface MsrpHeader {
  readonly name: string;
  readonly value: string;
}

interface FrameBase {
  /** RFC 4975 §9 transact-id: 4–32 of ALPHANUM . - + % =, first one alphanumeric. */
  readonly transactionId: string;
  /** Header lines in wire order, names as sent. */
  readonly headers: readonly MsrpHeader[];
  readonly flag: ContinuationFlag;
}

export interface MsrpRequest extends FrameBase {
  readonly kind: 'request';
  /** RFC 4975 §9 method: 1*UPALPHA (SEND, REPORT, or an extension). */
  readonly method: string;
  /** Body bytes of this chunk; undefined when the request had no Content-Type (no body). */
  readonly body: Buffer | undefined;
}

export interface MsrpResponse extends FrameBase {
  readonly kind: 'response';
  readonly status: number;
  readonly comment?: string | undefined;
}

export type MsrpFrame = MsrpRequest | MsrpResponse;

/** First value of header `name` (case-insensitive, RFC 4975 §9 hname is ALPHA *name-char). */
export function msrpHeader(frame: { readonly headers: readonly MsrpHeader[] }, name: string): string | undefined {
  const lower = name.toLowerCase();
  return frame.headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

/** The URIs of a To-Path or From-Path value, in order (RFC 4975 §9: separated by SP). */
export function pathUris(value: string | undefined): string[] {
  return (value ?? '').split(' ').filter((uri) => uri !== '');
}
