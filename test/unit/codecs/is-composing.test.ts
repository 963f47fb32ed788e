import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsComposing, serializeIsComposing, type IsComposing } from '../../../src/codecs/is-composing.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, fixture, fixtureNames, valueOrHeraldError, xmlText } from './codec-test-helpers.js';

describe('is-composing', () => {
  describe('when parsing real-world indicators', () => {
    it('reads the RFC 3994 example', () => {
      expect(parseIsComposing(fixture('is-composing', 'good', 'iscomposing-rfc3994-active.xml'))).toEqual({
        state: 'active',
        lastActive: undefined,
        contentType: 'text/plain',
        refresh: 90,
      });
    });

    it('reads idle with lastactive', () => {
      expect(parseIsComposing(fixture('is-composing', 'good', 'iscomposing-idle-lastactive.xml'))).toEqual({
        state: 'idle',
        lastActive: '2003-01-27T10:43:00Z',
        contentType: 'audio',
        refresh: undefined,
      });
    });

    it('tolerates state case and spacing, and ignores a refresh that is not a positive integer', () => {
      expect(parseIsComposing(fixture('is-composing', 'good', 'iscomposing-bad-refresh-ignored.xml'))).toMatchObject({
        state: 'active',
        refresh: undefined,
      });
      expect(parseIsComposing('<isComposing><state>idle</state><refresh>0</refresh></isComposing>').refresh).toBeUndefined();
    });
  });

  describe('when a bad fixture is parsed', () => {
    for (const name of fixtureNames('is-composing', 'bad')) {
      it(`refuses ${name} with GW_ERR_ISCOMPOSING_MALFORMED`, () => {
        expectHeraldError(() => parseIsComposing(fixture('is-composing', 'bad', name)), 'GW_ERR_ISCOMPOSING_MALFORMED');
      });
    }

    it('passes XML refusals through with their own codes', () => {
      expectHeraldError(() => parseIsComposing(fixture('safe-xml', 'bad', 'doctype-external-entity-file-passwd.xml')), 'GW_ERR_XML_FORBIDDEN');
    });
  });

  describe('when serializing', () => {
    it('writes compact XML in schema order', () => {
      expect(serializeIsComposing({ state: 'active', lastActive: '2026-11-26T06:14:30Z', contentType: 'text/plain', refresh: 60 })).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">' +
          '<state>active</state><lastactive>2026-11-26T06:14:30Z</lastactive><contenttype>text/plain</contenttype><refresh>60</refresh></isComposing>',
      );
    });

    it('refuses a refresh that is not a positive integer', () => {
      expectHeraldError(() => serializeIsComposing({ state: 'active', refresh: 0 }), 'GW_ERR_ISCOMPOSING_MALFORMED');
      expectHeraldError(() => serializeIsComposing({ state: 'active', refresh: 1.5 }), 'GW_ERR_ISCOMPOSING_MALFORMED');
    });
  });

  describe('when round-tripping generated indicators', () => {
    const doc: fc.Arbitrary<IsComposing> = fc.record({
      state: fc.constantFrom('active', 'idle'),
      lastActive: fc.option(xmlText, { nil: undefined }),
      contentType: fc.option(xmlText, { nil: undefined }),
      refresh: fc.option(fc.integer({ min: 1, max: 999_999_999 }), { nil: undefined }),
    });

    it('parse(serialize(x)) deep-equals x', () => {
      fc.assert(
        fc.property(doc, (x) => {
          expect(parseIsComposing(serializeIsComposing(x))).toEqual(x);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the input is arbitrary', () => {
    it('returns an indicator or throws a HeraldError', () => {
      const inner = fc.array(fc.constantFrom('<state>', '</state>', 'active', 'idle', '<refresh>', '</refresh>', '12', '-1', '<lastactive/>'), {
        maxLength: 8,
      });
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 100 }), inner.map((p) => `<isComposing>${p.join('')}</isComposing>`)), (s) =>
          valueOrHeraldError(() => parseIsComposing(s)),
        ),
        { numRuns: FUZZ_RUNS },
      );
    });
  });
});
