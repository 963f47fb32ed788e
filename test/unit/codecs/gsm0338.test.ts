import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GSM_ESCAPE,
  GSM_EXTENSION_CHARS,
  canEncodeGsm,
  canEncodeLatin1,
  decodeGsm7,
  decodeLatin1,
  decodeUcs2,
  encodeGsm7,
  encodeLatin1,
  encodeUcs2,
  gsmSeptetLength,
  isGsmExtensionChar,
} from '../../../src/codecs/gsm0338.js';
import { isHeraldError } from '../../../src/errors.js';

const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_CHARS = [...BASIC, ...GSM_EXTENSION_CHARS];
const gsmString = fc.array(fc.constantFrom(...GSM_CHARS), { maxLength: 400, size: 'max' }).map((chars) => chars.join(''));

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isHeraldError(error) ? error.code : 'not a HeraldError';
  }
}

describe('gsm0338', () => {
  describe('when encoding the basic table', () => {
    it('maps characters to their septet values, one per octet', () => {
      expect([...encodeGsm7('@£$Hello')]).toEqual([0x00, 0x01, 0x02, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
      expect([...encodeGsm7('Δ_ÇàüÄ§¿')]).toEqual([0x10, 0x11, 0x09, 0x7f, 0x7e, 0x5b, 0x5f, 0x60]);
    });

    it('has 127 characters (128 septets less the escape)', () => {
      expect(BASIC.length).toBe(127);
      expect(canEncodeGsm(BASIC)).toBe(true);
      expect(gsmSeptetLength(BASIC)).toBe(127);
    });
  });

  describe('when encoding the extension table', () => {
    it('writes escape + septet for each of € [ ] { } ^ ~ \\ | and form feed', () => {
      expect([...encodeGsm7('€')]).toEqual([GSM_ESCAPE, 0x65]);
      expect([...encodeGsm7('[]{}')]).toEqual([0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x28, 0x1b, 0x29]);
      expect([...encodeGsm7('^~\\|\f')]).toEqual([0x1b, 0x14, 0x1b, 0x3d, 0x1b, 0x2f, 0x1b, 0x40, 0x1b, 0x0a]);
    });

    it('counts each extension character as two septets', () => {
      expect(GSM_EXTENSION_CHARS).toHaveLength(10);
      expect(gsmSeptetLength('a€b')).toBe(4);
      expect(gsmSeptetLength(GSM_EXTENSION_CHARS)).toBe(20);
      for (const char of GSM_EXTENSION_CHARS) expect(isGsmExtensionChar(char)).toBe(true);
      expect(isGsmExtensionChar('a')).toBe(false);
    });
  });

  describe('when text is outside the alphabet', () => {
    it('says so without throwing from canEncodeGsm', () => {
      expect(canEncodeGsm('naïve')).toBe(false);
      expect(canEncodeGsm('😀')).toBe(false);
      expect(canEncodeGsm('ç')).toBe(false);
      expect(canEncodeGsm('\u001b')).toBe(false);
      expect(canEncodeGsm('`')).toBe(false);
      expect(canEncodeGsm('')).toBe(true);
    });

    it('throws GW_ERR_GSM_UNENCODABLE with the index and code point', () => {
      try {
        encodeGsm7('ab😀');
        expect.unreachable();
      } catch (error) {
        expect(isHeraldError(error, 'GW_ERR_GSM_UNENCODABLE')).toBe(true);
        if (isHeraldError(error)) expect(error.meta).toMatchObject({ index: 2, codePoint: 0x1f600 });
      }
      expect(codeOf(() => gsmSeptetLength('ï'))).toBe('GW_ERR_GSM_UNENCODABLE');
    });
  });

  describe('when decoding', () => {
    it('reads escape sequences from the extension table', () => {
      expect(decodeGsm7(Uint8Array.from([0x1b, 0x65, 0x31, 0x30]))).toBe('€10');
    });

    it('shows the basic character for an escape the extension table lacks', () => {
      expect(decodeGsm7(Uint8Array.from([0x1b, 0x41]))).toBe('A');
    });

    it('shows a space for a lone trailing escape and for escape + escape', () => {
      expect(decodeGsm7(Uint8Array.from([0x41, 0x1b]))).toBe('A ');
      expect(decodeGsm7(Uint8Array.from([0x1b, 0x1b, 0x41]))).toBe(' A');
    });

    it('replaces octets above 0x7F with U+FFFD', () => {
      expect(decodeGsm7(Uint8Array.from([0x80, 0x41, 0x1b, 0xff]))).toBe('\ufffdA\ufffd');
    });

    it('is total on arbitrary octets', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300, size: 'max' }), (bytes) => {
          expect(typeof decodeGsm7(bytes)).toBe('string');
        }),
      );
    });
  });

  describe('when round-tripping', () => {
    it('decodes what it encodes for any string of GSM characters', () => {
      fc.assert(
        fc.property(gsmString, (text) => {
          const encoded = encodeGsm7(text);
          expect(encoded.length).toBe(gsmSeptetLength(text));
          expect(encoded.every((octet) => octet <= 0x7f)).toBe(true);
          expect(decodeGsm7(encoded)).toBe(text);
        }),
      );
    });

    it('agrees between canEncodeGsm and encodeGsm7 for any string', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary' }), gsmString), (text) => {
          expect(codeOf(() => encodeGsm7(text)) === undefined).toBe(canEncodeGsm(text));
        }),
      );
    });

    it('round-trips any Unicode string, emoji and lone surrogates included, through UCS-2', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 200, size: 'max' }), (text) => {
          const encoded = encodeUcs2(text);
          expect(encoded.length).toBe(text.length * 2);
          expect(decodeUcs2(encoded)).toBe(text);
        }),
      );
    });

    it('round-trips any Latin-1 string through ISO-8859-1', () => {
      fc.assert(
        fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)) }), (text) => {
          expect(canEncodeLatin1(text)).toBe(true);
          expect(decodeLatin1(encodeLatin1(text))).toBe(text);
        }),
      );
    });
  });

  describe('UCS-2', () => {
    it('writes emoji as a UTF-16BE surrogate pair', () => {
      expect([...encodeUcs2('😀')]).toEqual([0xd8, 0x3d, 0xde, 0x00]);
      expect(decodeUcs2(Uint8Array.from([0x04, 0x2f, 0xd8, 0x3d, 0xde, 0x00]))).toBe('Я😀');
    });

    it('shows a dangling odd octet as U+FFFD', () => {
      expect(decodeUcs2(Uint8Array.from([0x00, 0x41, 0x00]))).toBe('A\ufffd');
    });
  });

  describe('Latin-1', () => {
    it('refuses characters above U+00FF with GW_ERR_GSM_UNENCODABLE', () => {
      expect(canEncodeLatin1('café')).toBe(true);
      expect(canEncodeLatin1('€')).toBe(false);
      expect(codeOf(() => encodeLatin1('5 €'))).toBe('GW_ERR_GSM_UNENCODABLE');
      expect([...encodeLatin1('é')]).toEqual([0xe9]);
    });
  });
});
