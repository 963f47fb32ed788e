import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/api/cursor.js';
import { isHeraldError } from '../../../src/errors.js';

describe('page cursors', () => {
  describe('when a cursor was given out', () => {
    it('gives back the keyset position', () => {
      expect(decodeCursor(encodeCursor('0190c0de-0000-7000-8000-000000000001'))).toBe('0190c0de-0000-7000-8000-000000000001');
    });
  });

  describe('when a cursor was not given out', () => {
    it.each(['', 'not base64 json', Buffer.from('{"v":2,"after":"x"}').toString('base64url'), Buffer.from('{"v":1,"after":""}').toString('base64url')])(
      'refuses %j with GW_ERR_API_VALIDATION naming querystring.cursor',
      (cursor) => {
        try {
          decodeCursor(cursor);
          expect.unreachable();
        } catch (err) {
          expect(isHeraldError(err, 'GW_ERR_API_VALIDATION')).toBe(true);
          expect(isHeraldError(err) ? err.meta.errors : undefined).toEqual([expect.objectContaining({ field: 'querystring.cursor' })]);
        }
      },
    );
  });
});
