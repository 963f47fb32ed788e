import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../src/errors.js';
import {
  XML_MAX_ATTRIBUTE_LENGTH,
  XML_MAX_BYTES,
  XML_MAX_DEPTH,
  XML_MAX_ELEMENTS,
  XML_MAX_TEXT_LENGTH,
  escapeXmlAttr,
  escapeXmlText,
  parseXml,
  xmlChild,
  xmlChildText,
  xmlChildren,
} from '../../../src/codecs/safe-xml.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, fixture, fixtureNames, valueOrHeraldError, xmlText } from './codec-test-helpers.js';

function codeForBadFixture(name: string): ErrorCode {
  if (name.startsWith('doctype-') || name.startsWith('entity-')) return 'GW_ERR_XML_FORBIDDEN';
  if (name.startsWith('limit-')) return 'GW_ERR_XML_LIMIT';
  return 'GW_ERR_XML_MALFORMED';
}

describe('safe-xml', () => {
  describe('when the document is well-formed', () => {
    it('gives local names, namespace URIs, attributes by local and by namespaced name, and text', () => {
      const root = parseXml('<r xmlns="urn:a" xmlns:p="urn:p" id="1" p:flag="yes"><p:c>hi</p:c><c>there</c></r>');
      expect(root.name).toBe('r');
      expect(root.ns).toBe('urn:a');
      expect(root.attrs['id']).toBe('1');
      expect(root.attrs['flag']).toBe('yes');
      expect(root.nsAttrs['{urn:p}flag']).toBe('yes');
      expect(root.nsAttrs['{}id']).toBe('1');
      expect(Object.keys(root.attrs)).not.toContain('xmlns');
      expect(xmlChildren(root, 'c').map((c) => c.ns)).toEqual(['urn:p', 'urn:a']);
      expect(xmlChild(root, 'c', 'urn:a')?.text).toBe('there');
      expect(xmlChildText(root, 'c')).toBe('hi');
    });

    it('reads the five predefined entities and character references', () => {
      expect(parseXml('<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x1F600;</a>').text).toBe('<>&"\'A😀');
    });

    it('ignores processing instructions and comments', () => {
      const root = parseXml(fixture('safe-xml', 'good', 'pi-and-comment-ignored.xml'));
      expect(root.text).toBe('text');
      expect(root.children).toEqual([]);
    });

    it('treats CDATA as text', () => {
      expect(parseXml(fixture('safe-xml', 'good', 'cdata-as-text.xml')).text).toBe('<b>&amp;</b>');
    });

    it('decodes a document that declares ISO-8859-1', () => {
      expect(parseXml(fixture('safe-xml', 'good', 'latin1-declared.xml')).text).toBe('café');
    });

    it('skips a UTF-8 byte order mark', () => {
      expect(parseXml(fixture('safe-xml', 'good', 'utf8-bom.xml')).text).toBe('café');
    });
  });

  describe('when a bad fixture is parsed', () => {
    for (const name of fixtureNames('safe-xml', 'bad')) {
      it(`refuses ${name} with ${codeForBadFixture(name)}`, () => {
        expectHeraldError(() => parseXml(fixture('safe-xml', 'bad', name)), codeForBadFixture(name));
      });
    }
  });

  describe('when the document is hostile', () => {
    it('refuses a billion-laughs document before expanding anything', () => {
      const started = performance.now();
      expectHeraldError(() => parseXml(fixture('safe-xml', 'bad', 'doctype-billion-laughs.xml')), 'GW_ERR_XML_FORBIDDEN');
      expect(performance.now() - started).toBeLessThan(500);
    });

    it('refuses an external entity pointing at file:///etc/passwd', () => {
      const err = expectHeraldError(
        () => parseXml(fixture('safe-xml', 'bad', 'doctype-external-entity-file-passwd.xml')),
        'GW_ERR_XML_FORBIDDEN',
      );
      expect(err.detail).not.toContain('root:');
    });

    it('refuses nesting deeper than XML_MAX_DEPTH with the limit in meta', () => {
      const deep = '<a>'.repeat(XML_MAX_DEPTH + 1) + '</a>'.repeat(XML_MAX_DEPTH + 1);
      const err = expectHeraldError(() => parseXml(deep), 'GW_ERR_XML_LIMIT');
      expect(err.meta).toEqual({ maxDepth: XML_MAX_DEPTH });
    });

    it('accepts nesting exactly at XML_MAX_DEPTH', () => {
      const ok = '<a>'.repeat(XML_MAX_DEPTH) + '</a>'.repeat(XML_MAX_DEPTH);
      expect(parseXml(ok).name).toBe('a');
    });

    it('refuses a document over XML_MAX_BYTES', () => {
      const big = `<a>${'x'.repeat(XML_MAX_BYTES)}</a>`;
      expect(expectHeraldError(() => parseXml(big), 'GW_ERR_XML_LIMIT').meta).toEqual({ maxBytes: XML_MAX_BYTES });
      expect(expectHeraldError(() => parseXml(Buffer.from(big)), 'GW_ERR_XML_LIMIT').meta).toEqual({ maxBytes: XML_MAX_BYTES });
    });

    it('refuses more than XML_MAX_ELEMENTS elements', () => {
      const many = `<a>${'<b/>'.repeat(XML_MAX_ELEMENTS)}</a>`;
      expect(expectHeraldError(() => parseXml(many), 'GW_ERR_XML_LIMIT').meta).toEqual({ maxElements: XML_MAX_ELEMENTS });
    });

    it('refuses an attribute longer than XML_MAX_ATTRIBUTE_LENGTH', () => {
      const long = `<a b="${'x'.repeat(XML_MAX_ATTRIBUTE_LENGTH + 1)}"/>`;
      expect(expectHeraldError(() => parseXml(long), 'GW_ERR_XML_LIMIT').meta).toEqual({ maxAttributeLength: XML_MAX_ATTRIBUTE_LENGTH });
    });

    it('refuses too many attributes on one element', () => {
      const attrs = Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(' ');
      expectHeraldError(() => parseXml(`<a ${attrs}/>`), 'GW_ERR_XML_LIMIT');
    });

    it('refuses element text longer than XML_MAX_TEXT_LENGTH', () => {
      const long = `<a>${'x'.repeat(XML_MAX_TEXT_LENGTH + 1)}</a>`;
      expect(expectHeraldError(() => parseXml(long), 'GW_ERR_XML_LIMIT').meta).toEqual({ maxTextLength: XML_MAX_TEXT_LENGTH });
    });

    it('applies limits given by the caller', () => {
      expectHeraldError(() => parseXml('<a><b><c/></b></a>', { maxDepth: 2 }), 'GW_ERR_XML_LIMIT');
    });
  });

  describe('when text and attributes are escaped', () => {
    it('reads back any XML-safe text exactly', () => {
      fc.assert(
        fc.property(xmlText, xmlText, (text, attr) => {
          const root = parseXml(`<a v="${escapeXmlAttr(attr)}">${escapeXmlText(text)}</a>`);
          expect(root.text).toBe(text);
          expect(root.attrs['v']).toBe(attr);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });

    it('replaces characters XML cannot carry with U+FFFD', () => {
      expect(escapeXmlText('a\u0000b\u001bc\uffff')).toBe('a\ufffdb\ufffdc\ufffd');
      expect(parseXml(`<a>${escapeXmlText('\ud800x')}</a>`).text).toBe('\ufffdx');
    });

    it('keeps tabs, line feeds and carriage returns in attributes', () => {
      expect(parseXml(`<a v="${escapeXmlAttr('a\tb\nc\rd')}"/>`).attrs['v']).toBe('a\tb\nc\rd');
    });
  });

  describe('when the input is arbitrary', () => {
    it('returns a tree or throws a HeraldError, for any string', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => valueOrHeraldError(() => parseXml(s))), {
        numRuns: FUZZ_RUNS,
      });
    });

    it('returns a tree or throws a HeraldError, for any bytes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => valueOrHeraldError(() => parseXml(Buffer.from(b)))), {
        numRuns: FUZZ_RUNS,
      });
    });

    it('returns a tree or throws a HeraldError, for XML-like fragments', () => {
      const token = fc.constantFrom('<a>', '</a>', '<b x="1"/>', '&amp;', '&lt', '&#x;', '<![CDATA[', ']]>', '<?x?>', '<!--', '-->', 'text', '<p:c>', 'xmlns:p="u"', '"', '<!DOCTYPE');
      fc.assert(fc.property(fc.array(token, { maxLength: 20 }), (t) => valueOrHeraldError(() => parseXml(t.join('')))), {
        numRuns: FUZZ_RUNS,
      });
    });
  });
});
