/**
 * Opaque page cursors. Clients pass back what they were given; the inside (a keyset
 * position) may change between versions, so it is wrapped and versioned, not exposed.
 */
import { heraldError } from '../errors.js';

interface CursorBody {
  readonly v: 1;
  readonly after: string;
}

/** Wraps a keyset position (the last id of a page) as a cursor. */
export function encodeCursor(after: string): string {
  const body: CursorBody = { v: 1, after };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The keyset position inside a cursor.
 * @throws GW_ERR_API_VALIDATION naming `querystring.cursor` when it is not one of ours
 */
export function decodeCursor(cursor: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const body = parsed as Partial<CursorBody> | undefined;
  if (typeof body !== 'object' || body === null || body.v !== 1 || typeof body.after !== 'string' || body.after === '') {
    const errors = [{ field: 'querystring.cursor', message: 'is not a cursor this API gave out' }];
    throw heraldError('GW_ERR_API_VALIDATION', 'querystring.cursor is not a cursor this API gave out', { meta: { errors } });
  }
  return body.after;
}
