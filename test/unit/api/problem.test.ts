import { describe, expect, it } from 'vitest';
import { toApiError, toProblem } from '../../../src/api/problem.js';
import { heraldError } from '../../../src/errors.js';

function fastifyError(statusCode: number, code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error('fastify says no'), { statusCode, code, ...extra });
}

describe('API problems', () => {
  describe('when a catalogued client error is shown', () => {
    it('carries the code, status, detail and field errors', () => {
      const errors = [{ field: 'body.role', message: 'must be equal to one of the allowed values' }];
      const problem = toProblem(heraldError('GW_ERR_API_VALIDATION', 'body.role is bad', { meta: { errors } }), '/api/v1/tokens');
      expect(problem).toEqual({
        type: 'urn:herald:error:GW_ERR_API_VALIDATION',
        title: 'invalid request',
        status: 400,
        detail: 'body.role is bad',
        instance: '/api/v1/tokens',
        code: 'GW_ERR_API_VALIDATION',
        errors,
      });
    });
  });

  describe('when a server fault is shown', () => {
    it('keeps its detail for the log only', () => {
      const problem = toProblem(heraldError('GW_ERR_DB_UNREACHABLE', 'DATABASE_URL (postgres://db/herald): refused'), '/x');
      expect(problem.status).toBe(503);
      expect(problem.detail).not.toContain('postgres://');
    });

    it('answers a busy pool 503 like an unreachable database, under its own code', () => {
      const problem = toProblem(heraldError('GW_ERR_DB_BUSY', 'get d-1: no connection free within 5000 ms'), '/x');
      expect(problem.status).toBe(503);
      expect(problem.code).toBe('GW_ERR_DB_BUSY');
    });
  });

  describe('when fastify reports a problem', () => {
    it.each([
      [fastifyError(400, 'FST_ERR_VALIDATION', { validation: [{ instancePath: '', params: { missingProperty: 'name' } }], validationContext: 'body' }), 'GW_ERR_API_VALIDATION'],
      [fastifyError(400, 'FST_ERR_CTP_INVALID_JSON_BODY'), 'GW_ERR_API_VALIDATION'],
      [fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE'), 'GW_ERR_CONTENT_TOO_LARGE'],
      [fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'), 'GW_ERR_CONTENT_UNSUPPORTED_TYPE'],
      [new TypeError('bug'), 'GW_ERR_GATEWAY_INTERNAL'],
    ])('maps %s to %s', (error, code) => {
      expect(toApiError(error).code).toBe(code);
    });

    it('names the missing field of a schema error', () => {
      const err = toApiError(
        fastifyError(400, 'FST_ERR_VALIDATION', { validation: [{ instancePath: '/a/0', params: { missingProperty: 'b' }, message: 'is required' }], validationContext: 'body' }),
      );
      expect(err.meta.errors).toEqual([{ field: 'body.a.0.b', message: 'is required' }]);
    });
  });
});
