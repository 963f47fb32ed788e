import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, HeraldError, heraldError, toHeraldError, type ErrorCode } from '../../src/errors.js';

describe('error catalogue', () => {
  const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

  it('names every code GW_ERR_<AREA>_<WHAT>', () => {
    for (const code of codes) expect(code).toMatch(/^GW_ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
  });

  it('builds each error with its code, statuses and detail', () => {
    for (const code of codes) {
      const err = heraldError(code, 'detail here', { meta: { k: 1 } });
      expect(err).toBeInstanceOf(HeraldError);
      expect(err.code).toBe(code);
      expect(err.httpStatus).toBe(ERROR_CATALOGUE[code].http);
      expect(err.sipStatus).toBe(ERROR_CATALOGUE[code].sip);
      expect(err.message).toContain('detail here');
      expect(err.meta).toEqual({ k: 1 });
      expect(err.httpStatus).toBeGreaterThanOrEqual(400);
      expect(err.sipStatus).toBeGreaterThanOrEqual(400);
    }
  });

  it('documents every code in docs/errors.md', () => {
    const reference = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of codes) expect(reference).toContain(`\`${code}\``);
  });

  describe('when wrapping a foreign error', () => {
    it('keeps catalogued errors and wraps others as internal', () => {
      const own = heraldError('GW_ERR_SIP_MALFORMED', 'x');
      expect(toHeraldError(own)).toBe(own);
      expect(toHeraldError(new TypeError('boom')).code).toBe('GW_ERR_GATEWAY_INTERNAL');
    });
  });
});
