/**
 * Writes MSRP frames (RFC 4975 §9). The header order is the grammar's: To-Path, From-Path,
 * then the rest, then Content-Type last before the body.
 */
import { randomPoolBytes } from '../../../../src/domain/random-pool.js';
import { heraldError } from '../../../../src/errors.js';
import type { ContinuationFlag, MsrpHeader } from './frame.js';

export interface RequestToWrite {
  readonly transactionId: string;
  readonly method: string;
  readonly toPath: readonly string[];
  readonly fromPath: readonly string[];
  /** Headers after the paths (Message-ID, Byte-Range, reports, Status…), Content-Type excluded. */
  readonly headers?: readonly MsrpHeader[] | undefined;
  readonly contentType?: string | undefined;
  readonly body?: Buffer | undefined;
  /** @defaultValue '$' */
  readonly flag?: ContinuationFlag | undefined;
}

export interface ResponseToWrite {
  readonly transactionId: string;
  readonly status: number;
  readonly comment?: string | undefined;
  readonly toPath: readonly string[];
  readonly fromPath: readonly string[];
}

const SAFE_VALUE = /^[^\r\n]*$/;

function checkValue(name: string, value: string): void {
  if (!SAFE_VALUE.test(value)) throw heraldError('GW_ERR_MSRP_MALFORMED', `line break in ${name}`);
}

/**
 * A fresh transaction id: 12 random alphanumerics (RFC 4975 §7.1 asks for enough
 * randomness that the end-line does not appear in the body; the writer checks anyway).
 */
export function newTransactionId(): string {
  return randomPoolBytes(9).toString('base64url').replace(/[-_]/g, 'x');
}

/**
 * @throws GW_ERR_MSRP_MALFORMED when a header value holds a line break, a body is given
 *   without Content-Type, or the body contains the end-line (choose another transaction id).
 */
export function serializeRequest(request: RequestToWrite): Buffer {
  const lines = [`MSRP ${request.transactionId} ${request.method}`, `To-Path: ${request.toPath.join(' ')}`, `From-Path: ${request.fromPath.join(' ')}`];
  for (const { name, value } of request.headers ?? []) {
    checkValue(name, value);
    lines.push(`${name}: ${value}`);
  }
  for (const line of lines) checkValue('start line or path', line);
  const endLine = `-------${request.transactionId}${request.flag ?? '$'}\r\n`;
  if (request.contentType === undefined) {
    if (request.body !== undefined && request.body.length > 0) throw heraldError('GW_ERR_MSRP_MALFORMED', 'body without Content-Type');
    return Buffer.from(`${lines.join('\r\n')}\r\n${endLine}`, 'utf8');
  }
  checkValue('Content-Type', request.contentType);
  const body = request.body ?? Buffer.alloc(0);
  if (body.includes(`\r\n-------${request.transactionId}`)) {
    throw heraldError('GW_ERR_MSRP_MALFORMED', 'body contains the end-line of its transaction id');
  }
  lines.push(`Content-Type: ${request.contentType}`, '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'utf8'), body, Buffer.from(`\r\n${endLine}`, 'latin1')]);
}

/** RFC 4975 §7.2: a response carries the request's first From-Path URI as its To-Path. */
export function serializeResponse(response: ResponseToWrite): Buffer {
  const comment = response.comment === undefined ? '' : ` ${response.comment}`;
  checkValue('comment', comment);
  const lines = [
    `MSRP ${response.transactionId} ${String(response.status).padStart(3, '0')}${comment}`,
    `To-Path: ${response.toPath.join(' ')}`,
    `From-Path: ${response.fromPath.join(' ')}`,
    `-------${response.transactionId}$`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
