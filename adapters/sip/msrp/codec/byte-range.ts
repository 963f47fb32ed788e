import { heraldError } from '../../../../src/errors.js';

/**
 * RFC 4975 §9 Byte-Range: `range-start "-" range-end "/" total`, 1-based and inclusive;
 * end and total may be `*` (unknown, e.g. while a message is still being produced).
 */
export interface ByteRange {
  readonly start: number;
  readonly end: number | '*';
  readonly total: number | '*';
}

const BYTE_RANGE = /^(\d{1,15})-(\d{1,15}|\*)\/(\d{1,15}|\*)$/;

/**
 * Parses a Byte-Range value; a SEND without one starts at byte 1 of a message of unknown
 * size (RFC 4975 §7.1.1 makes the header optional for single-chunk messages).
 * @throws GW_ERR_MSRP_MALFORMED on bad syntax, start 0, end before start, or end past total.
 */
export function parseByteRange(value: string | undefined): ByteRange {
  if (value === undefined) return { start: 1, end: '*', total: '*' };
  const match = BYTE_RANGE.exec(value.trim());
  if (match === null) throw heraldError('GW_ERR_MSRP_MALFORMED', 'malformed Byte-Range', { meta: { header: 'Byte-Range' } });
  const start = Number(match[1]);
  const end = match[2] === '*' ? '*' : Number(match[2]);
  const total = match[3] === '*' ? '*' : Number(match[3]);
  // An empty message is `1-0/0` (RFC 4975 §7.1.1), so end may be start − 1.
  if (start < 1) throw heraldError('GW_ERR_MSRP_MALFORMED', 'Byte-Range starts before byte 1');
  if (end !== '*' && end < start - 1) throw heraldError('GW_ERR_MSRP_MALFORMED', 'Byte-Range ends before it starts');
  if (total !== '*' && end !== '*' && end > total) throw heraldError('GW_ERR_MSRP_MALFORMED', 'Byte-Range ends past its total');
  return { start, end, total };
}

export function serializeByteRange(range: ByteRange): string {
  return `${range.start}-${range.end}/${range.total}`;
}
