import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatContentType, parseContentType, tryParseContentType } from '../../../src/codecs/content-type.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, valueOrHeraldError } from './codec-test-helpers.js';

describe('content-type', () => {
  describe('when the value is well-formed', () => {
    it('lower-cases type, subtype and parameter names, and unquotes values', () => {
      const ct = parseContentType('Multipart/Mixed ; Boundary="a \\"b\\" c";charset=UTF-8');
      expect(ct).toMatchObject({ type: 'multipart', subtype: 'mixed', mediaType: 'multipart/mixed' });
      expect({ ...ct.params }).toEqual({ boundary: 'a "b" c', charset: 'UTF-8' });
    });

    it('keeps the first of repeated parameters and skips unreadable ones', () => {
      expect({ ...parseContentType('text/plain; charset; a=1; a=2;;=x; b = "q;r"').params }).toEqual({ a: '1', b: 'q;r' });
    });

    it('does not let a parameter named __proto__ reach the prototype', () => {
      const ct = parseContentType('text/plain; __proto__=x; constructor=y');
      expect(ct.params['__proto__']).toBe('x');
      expect(Object.getPrototypeOf(ct.params)).toBeNull();
    });
  });

  describe('when the value is unreadable', () => {
    it.each(['', 'text', '/plain', 'text/', 'te xt/plain', 'text/pl ain; a=b'])('refuses %j with GW_ERR_CONTENT_UNSUPPORTED_TYPE', (v) => {
      expectHeraldError(() => parseContentType(v), 'GW_ERR_CONTENT_UNSUPPORTED_TYPE');
      expect(tryParseContentType(v)).toBeUndefined();
    });
  });

  describe('when formatting', () => {
    it('quotes values that are not tokens', () => {
      expect(formatContentType('multipart/mixed', { boundary: 'a b"c' })).toBe('multipart/mixed;boundary="a b\\"c"');
      expect(formatContentType('text/plain', { charset: 'UTF-8' })).toBe('text/plain;charset=UTF-8');
    });

    it('refuses a line break in a value', () => {
      expectHeraldError(() => formatContentType('text/plain', { a: 'x\r\ny' }), 'GW_ERR_CONTENT_UNSUPPORTED_TYPE');
    });

    it('parse(format(x)) gives x back', () => {
      const token = fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,10}$/);
      const value = fc.string({ maxLength: 12 }).filter((s) => !/[\r\n\0]/.test(s) && s.trim() === s);
      fc.assert(
        fc.property(token, token, fc.dictionary(token, value, { maxKeys: 3 }), (type, subtype, params) => {
          const ct = parseContentType(formatContentType(`${type}/${subtype}`, params));
          expect(ct.mediaType).toBe(`${type}/${subtype}`);
          expect({ ...ct.params }).toEqual({ ...params });
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the input is arbitrary', () => {
    it('returns a content type or throws a HeraldError', () => {
      fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => valueOrHeraldError(() => parseContentType(s))), { numRuns: FUZZ_RUNS });
    });
  });
});
