/** The one classifier of database failures (src/ledger/db-errors.ts): busy is not unreachable. */
import { describe, expect, it } from 'vitest';
import { heraldError } from '../../../src/errors.js';
import { isUnreachable, toLedgerError, unavailability, withPoolWait } from '../../../src/ledger/db-errors.js';

const errno = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

describe('toLedgerError', () => {
  describe('when the pool had no client free in its wait', () => {
    it('is GW_ERR_DB_BUSY naming the wait the pool noted', () => {
      const err = toLedgerError(withPoolWait(new Error('timeout exceeded when trying to connect'), 5000), 'get d-1');
      expect(err.code).toBe('GW_ERR_DB_BUSY');
      expect(err.detail).toBe('get d-1: no connection free within 5000 ms');
      expect(err.meta.poolWaitMs).toBe(5000);
      expect([err.httpStatus, err.sipStatus, err.permanent]).toEqual([503, 503, false]);
    });

    it('is still GW_ERR_DB_BUSY when nobody noted the wait', () => {
      expect(toLedgerError(new Error('timeout exceeded when trying to connect'), 'x').detail).toBe('x: no connection free in time');
    });
  });

  describe('when the database cannot be reached', () => {
    it.each([
      ['a connection that timed out opening', new Error('Connection terminated due to connection timeout')],
      ['a refused port', errno('ECONNREFUSED')],
      ['a dropped connection', new Error('Connection terminated unexpectedly')],
      ['a server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ])('is GW_ERR_DB_UNREACHABLE for %s', (_name, cause) => {
      expect(toLedgerError(withPoolWait(cause, 5000), 'x').code).toBe('GW_ERR_DB_UNREACHABLE');
    });
  });
});

describe('isUnreachable', () => {
  it('is true for busy and unreachable alike (the writer does not split a batch for either)', () => {
    expect(unavailability(heraldError('GW_ERR_DB_BUSY', 'x'))).toBe('busy');
    expect(isUnreachable(heraldError('GW_ERR_DB_BUSY', 'x'))).toBe(true);
    expect(isUnreachable(heraldError('GW_ERR_DB_UNREACHABLE', 'x'))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
});
