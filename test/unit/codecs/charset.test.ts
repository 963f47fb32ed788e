import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetOfContentType, decodeCharset, decodeCharsetStrict } from '../../../src/codecs/charset.js';
import { isHeraldError } from '../../../src/errors.js';

/** Outlook's typography in windows-1252: ’ – “ ” … € (0x92 0x96 0x93 0x94 0x85 0x80). */
const CP1252 = Buffer.from([0x49, 0x92, 0x6d, 0x20, 0x96, 0x20, 0x93, 0x67, 0x94, 0x20, 0x85, 0x20, 0x35, 0x20, 0x80]);

describe('decodeCharset', () => {
  describe('when the text is windows-1252 (Outlook)', () => {
    it('decodes 0x80–0x9F as the typography they stand for, not C1 controls', () => {
      expect(decodeCharset(CP1252, 'windows-1252')).toBe('I’m – “g” … 5 €');
      expect(decodeCharset(CP1252, 'Windows-1252')).not.toMatch(/[\u0080-\u009f]/);
    });
    it('reads text labelled iso-8859-1 or us-ascii as windows-1252, as every mail client does', () => {
      expect(decodeCharset(CP1252, 'iso-8859-1')).toBe('I’m – “g” … 5 €');
      expect(decodeCharset(CP1252, '"us-ascii"')).toBe('I’m – “g” … 5 €');
      expect(decodeCharset(Buffer.from([0xe9]), 'ISO-8859-1')).toBe('é');
    });
  });
  describe('when the label is a legacy Asian charset', () => {
    it('decodes it', () => {
      expect(decodeCharset(Buffer.from('\x1b$BF|K\\8l\x1b(B', 'latin1'), 'ISO-2022-JP')).toBe('日本語');
      expect(decodeCharset(iconv.encode('한국어', 'euc-kr'), 'ks_c_5601-1987')).toBe('한국어');
    });
  });
  describe('when the label is unknown or missing', () => {
    it('reads UTF-8 and never throws', () => {
      expect(decodeCharset(Buffer.from('é', 'utf8'), 'x-unknown-charset')).toBe('é');
      expect(decodeCharset(Buffer.from('é', 'utf8'), undefined)).toBe('é');
    });
  });
  it('never throws and never yields C1 controls for windows-1252 input (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('windows-1252', 'iso-8859-1', 'utf-8', 'koi8-r', 'bogus', ''), (bytes, label) => {
        const text = decodeCharset(bytes, label);
        if (label === 'windows-1252' || label === 'iso-8859-1') expect(text).not.toMatch(/[\u0080-\u0080\u0082-\u008c\u008e\u0091-\u009c\u009e\u009f]/);
      }),
    );
  });
  it('round-trips every string windows-1252 can encode (property)', () => {
    const cp1252Char = fc.constantFrom(...'abcXYZ 09éüß’–“”…€‚ƒ„†‡ˆ‰Š‹ŒŽ‘•—˜™š›œžŸ');
    fc.assert(
      fc.property(fc.array(cp1252Char, { maxLength: 60 }).map((cs) => cs.join('')), (text) => {
        expect(decodeCharset(iconv.encode(text, 'windows-1252'), 'windows-1252')).toBe(text);
      }),
    );
  });
});

describe('decodeCharsetStrict', () => {
  it('decodes windows-1252 exactly and refuses invalid UTF-8 and unknown labels with GW_ERR_CONTENT_CHARSET', () => {
    expect(decodeCharsetStrict(CP1252, 'windows-1252')).toBe('I’m – “g” … 5 €');
    expect(decodeCharsetStrict(Buffer.from('ok'), undefined)).toBe('ok');
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
        return undefined;
      } catch (err) {
        return isHeraldError(err) ? err.code : 'not a HeraldError';
      }
    };
    expect(codeOf(() => decodeCharsetStrict(Buffer.from([0xff, 0xfe, 0xc3]), 'utf-8'))).toBe('GW_ERR_CONTENT_CHARSET');
    expect(codeOf(() => decodeCharsetStrict(Buffer.from('x'), 'x-no-such'))).toBe('GW_ERR_CONTENT_CHARSET');
  });
});

describe('charsetOfContentType', () => {
  it('reads the charset parameter, quoted or not, and defaults to UTF-8', () => {
    expect(charsetOfContentType('text/plain;charset="windows-1252"')).toBe('windows-1252');
    expect(charsetOfContentType('text/plain; charset=ISO-8859-15; format=flowed')).toBe('ISO-8859-15');
    expect(charsetOfContentType('text/plain')).toBe('utf-8');
  });
});
