/** How loud a failed job run is logged (queues/failure-log.ts), from the catalogue alone. */
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, heraldError, retryClass, type ErrorCode } from '../../../src/errors.js';
import { failureLog } from '../../../queues/failure-log.js';

const MAX = 25;

describe('failureLog', () => {
  describe('when a catalogued transient error will be retried', () => {
    it.each(['GW_ERR_DB_UNREACHABLE', 'GW_ERR_DB_BUSY', 'GW_ERR_LEDGER_CONFLICT', 'GW_ERR_SMPP_THROTTLED', 'GW_ERR_SIP_SEND_FAILED', 'GW_ERR_SMTP_DEFERRED'] as const)(
      'logs %s at info without a stack',
      (code) => {
        expect(failureLog(heraldError(code, 'x'), 3, MAX)).toEqual({ level: 'info', withStack: false, final: false });
      },
    );

    it('logs every retryable code that is neither a wait nor internal at info (the rule is the catalogue flag, not a list)', () => {
      const retryable = (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).filter((code) => retryClass(heraldError(code, 'x')) === 'retried');
      expect(retryable.length).toBeGreaterThan(15);
      for (const code of retryable) expect(failureLog(heraldError(code, 'x'), 1, MAX).level).toBe('info');
    });
  });

  describe('when the job waits its turn (the catalogue marks the code `waits`)', () => {
    it.each(['GW_ERR_IMDN_WAITING', 'GW_ERR_ARCHIVE_BUSY'] as const)('logs %s at debug without a stack', (code) => {
      expect(failureLog(heraldError(code, 'x'), 7, MAX)).toEqual({ level: 'debug', withStack: false, final: false });
    });
  });

  describe('when the failure was not expected', () => {
    it.each([
      ['an uncatalogued throw', new TypeError('undefined is not a function')],
      ['GW_ERR_GATEWAY_INTERNAL', heraldError('GW_ERR_GATEWAY_INTERNAL', 'x')],
    ])('logs %s at warn with its stack', (_name, err) => {
      expect(failureLog(err, 2, MAX)).toEqual({ level: 'warn', withStack: true, final: false });
    });
  });

  describe('when no retry follows', () => {
    it('logs a permanent error at error with its stack', () => {
      expect(failureLog(heraldError('GW_ERR_SMPP_SUBMIT_REJECTED', 'x'), 1, MAX)).toEqual({ level: 'error', withStack: true, final: true });
    });

    it.each(['GW_ERR_DB_UNREACHABLE', 'GW_ERR_IMDN_WAITING'] as const)('logs %s on the last attempt at error with its stack', (code) => {
      expect(failureLog(heraldError(code, 'x'), MAX, MAX)).toEqual({ level: 'error', withStack: true, final: true });
    });

    it('never calls a failure final when it spends no attempt', () => {
      expect(failureLog(heraldError('GW_ERR_SMPP_UNAVAILABLE', 'x'), 400, Number.POSITIVE_INFINITY).final).toBe(false);
    });
  });
});
