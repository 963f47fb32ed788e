import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RESOURCE_LISTS_MAX_ENTRIES,
  parseResourceLists,
  recipientKey,
  serializeResourceLists,
  type ResourceListEntry,
} from '../../../src/codecs/resource-lists.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, fixture, fixtureNames, uriArb, valueOrHeraldError, xmlText } from './codec-test-helpers.js';

function listOf(entries: string): string {
  return `<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists" xmlns:cp="urn:ietf:params:xml:ns:copycontrol"><list>${entries}</list></resource-lists>`;
}

describe('resource-lists', () => {
  describe('when the list mixes tel:, sip: and mailto: with copyControl and anonymize', () => {
    it('reads every entry with its copy control, default to, and display name', () => {
      expect(parseResourceLists(fixture('resource-lists', 'good', 'resource-lists-mixed-schemes-copycontrol.xml'))).toEqual([
        { uri: 'tel:+15551234567', copyControl: 'to', anonymize: false },
        { uri: 'sip:bob@Example.COM', displayName: 'Bob', copyControl: 'cc', anonymize: false },
        { uri: 'mailto:carol@example.org', copyControl: 'bcc', anonymize: true },
        { uri: 'sip:+15557654321@gw.example.com;user=phone', copyControl: 'to', anonymize: false },
      ]);
    });
  });

  describe('when lists are nested and URIs repeat', () => {
    it('flattens in document order and keeps the first of each scheme/host-normalised URI', () => {
      expect(parseResourceLists(fixture('resource-lists', 'good', 'resource-lists-nested-with-duplicates.xml'))).toEqual([
        { uri: 'sip:bob@example.com', copyControl: 'to', anonymize: false },
        { uri: 'sip:Bob@example.com', copyControl: 'to', anonymize: false },
        { uri: 'tel:+15551234567', copyControl: 'to', anonymize: true },
      ]);
    });

    it('normalises only scheme and host case', () => {
      expect(recipientKey('SIP:Bob@EXAMPLE.com;Transport=TCP')).toBe('sip:Bob@example.com;Transport=TCP');
      expect(recipientKey('sips:EXAMPLE.com')).toBe('sips:example.com');
      expect(recipientKey('Mailto:Carol@Example.ORG')).toBe('mailto:Carol@example.org');
      expect(recipientKey('TEL:+1555;phone-context=Example.COM')).toBe('tel:+1555;phone-context=Example.COM');
    });
  });

  describe('when a bad fixture is parsed', () => {
    for (const name of fixtureNames('resource-lists', 'bad')) {
      it(`refuses ${name} with GW_ERR_RESOURCE_LISTS_MALFORMED`, () => {
        expectHeraldError(() => parseResourceLists(fixture('resource-lists', 'bad', name)), 'GW_ERR_RESOURCE_LISTS_MALFORMED');
      });
    }

    it('refuses more than RESOURCE_LISTS_MAX_ENTRIES entries, duplicates counted', () => {
      const entries = '<entry uri="sip:same@example.com"/>'.repeat(RESOURCE_LISTS_MAX_ENTRIES + 1);
      const err = expectHeraldError(() => parseResourceLists(listOf(entries)), 'GW_ERR_RESOURCE_LISTS_MALFORMED');
      expect(err.meta).toEqual({ maxEntries: RESOURCE_LISTS_MAX_ENTRIES });
      expect(parseResourceLists(listOf('<entry uri="sip:a@b"/><entry uri="sip:c@d"/>'), { maxEntries: 2 })).toHaveLength(2);
    });

    it('passes XML refusals through with their own codes', () => {
      expectHeraldError(() => parseResourceLists(fixture('safe-xml', 'bad', 'doctype-billion-laughs.xml')), 'GW_ERR_XML_FORBIDDEN');
      const deep = `<resource-lists>${'<list>'.repeat(40)}${'</list>'.repeat(40)}</resource-lists>`;
      expectHeraldError(() => parseResourceLists(deep), 'GW_ERR_XML_LIMIT');
    });
  });

  describe('when serializing', () => {
    it('writes one compact list with copyControl on every entry and anonymize only when true', () => {
      expect(
        serializeResourceLists([
          { uri: 'tel:+15551234567', copyControl: 'to', anonymize: false },
          { uri: 'sip:a@b.c?x=1&y=2', displayName: 'A & B', copyControl: 'bcc', anonymize: true },
        ]),
      ).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists" xmlns:cp="urn:ietf:params:xml:ns:copycontrol"><list>' +
          '<entry uri="tel:+15551234567" cp:copyControl="to"/>' +
          '<entry uri="sip:a@b.c?x=1&amp;y=2" cp:copyControl="bcc" cp:anonymize="true"><display-name>A &amp; B</display-name></entry>' +
          '</list></resource-lists>',
      );
    });

    it('refuses an entry without uri', () => {
      expectHeraldError(() => serializeResourceLists([{ uri: '', copyControl: 'to', anonymize: false }]), 'GW_ERR_RESOURCE_LISTS_MALFORMED');
    });
  });

  describe('when round-tripping generated lists', () => {
    const entry: fc.Arbitrary<ResourceListEntry> = fc
      .record({
        uri: uriArb,
        displayName: fc.option(xmlText, { nil: undefined }),
        copyControl: fc.constantFrom('to', 'cc', 'bcc'),
        anonymize: fc.boolean(),
      })
      .map((e) => (e.displayName === undefined ? { uri: e.uri, copyControl: e.copyControl, anonymize: e.anonymize } : e));
    const entries = fc.uniqueArray(entry, { maxLength: 10, selector: (e) => recipientKey(e.uri) });

    it('parse(serialize(x)) deep-equals x', () => {
      fc.assert(
        fc.property(entries, (x) => {
          expect(parseResourceLists(serializeResourceLists(x))).toEqual(x);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the input is arbitrary', () => {
    it('returns entries or throws a HeraldError', () => {
      const piece = fc.constantFrom('<list>', '</list>', '<entry uri="sip:a@b"/>', '<entry/>', '<entry uri="x" cp:copyControl="cc"/>', '<external/>', 'txt', '<display-name>');
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 100 }), fc.array(piece, { maxLength: 8 }).map((p) => listOf(p.join('')))), (s) =>
          valueOrHeraldError(() => parseResourceLists(s)),
        ),
        { numRuns: FUZZ_RUNS },
      );
    });
  });
});
