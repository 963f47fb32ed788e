import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeContentEncoding, encodeContentEncoding } from '../../../src/codecs/content-encoding.js';
import { parseCpim } from '../../../src/codecs/cpim.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, fixture, fixtureNames, valueOrHeraldError } from './codec-test-helpers.js';

const HELLO = Buffer.from('Hello, deflated world! '.repeat(4));
const MAX = 64 * 1024;

describe('content-encoding', () => {
  describe('when the body is deflated, raw-deflated or gzipped', () => {
    it.each([
      ['deflate-zlib-stream.bin', 'deflate'],
      ['deflate-raw-stream.bin', 'deflate'],
      ['gzip-stream.bin', 'gzip'],
      ['gzip-stream.bin', 'deflate'],
      ['deflate-zlib-stream.bin', 'x-gzip'],
    ])('inflates %s labelled %s', (name, coding) => {
      expect(decodeContentEncoding(fixture('content-encoding', 'good', name), coding, MAX)).toEqual(HELLO);
    });

    it('inflates the liblinphone deflated IMDN CPIM', () => {
      const body = decodeContentEncoding(fixture('cpim', 'good', 'cpim-liblinphone-imdn-no-ns-no-message-id.deflate'), 'deflate', MAX);
      expect(parseCpim(body).contentType).toBe('message/imdn+xml');
    });

    it('undoes stacked codings last first, in any case and spacing', () => {
      const twice = encodeContentEncoding(encodeContentEncoding(HELLO, 'gzip'), 'deflate');
      expect(decodeContentEncoding(twice, ' GZIP , Deflate ', MAX)).toEqual(HELLO);
    });
  });

  describe('when there is no coding', () => {
    it.each([undefined, '', 'identity', 'Identity'])('returns the body as is for %s', (header) => {
      expect(decodeContentEncoding(HELLO, header, 1)).toBe(HELLO);
    });
  });

  describe('when the inflated size passes the cap', () => {
    it('refuses a 50 MB deflate bomb quickly with the cap in meta', () => {
      const bomb = fixture('content-encoding', 'bad', 'deflate-bomb-50mb-zeros.bin');
      const before = process.memoryUsage().arrayBuffers;
      const started = performance.now();
      const err = expectHeraldError(() => decodeContentEncoding(bomb, 'deflate', 1024 * 1024), 'GW_ERR_ENCODING_LIMIT');
      expect(err.meta).toEqual({ maxBytes: 1024 * 1024 });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(20 * 1024 * 1024);
    });

    it('refuses a raw-deflate and a gzip bomb too', () => {
      const zeros = Buffer.alloc(2 * 1024 * 1024);
      expectHeraldError(() => decodeContentEncoding(deflateRawSync(zeros), 'deflate', 1024), 'GW_ERR_ENCODING_LIMIT');
      expectHeraldError(() => decodeContentEncoding(encodeContentEncoding(zeros, 'gzip'), 'gzip', 1024), 'GW_ERR_ENCODING_LIMIT');
    });

    it('accepts a body exactly at the cap', () => {
      expect(decodeContentEncoding(encodeContentEncoding(HELLO, 'deflate'), 'deflate', HELLO.length)).toEqual(HELLO);
    });
  });

  describe('when the data is corrupt', () => {
    for (const name of fixtureNames('content-encoding', 'bad').filter((n) => !n.includes('bomb'))) {
      it(`refuses ${name} with GW_ERR_ENCODING_CORRUPT`, () => {
        expectHeraldError(() => decodeContentEncoding(fixture('content-encoding', 'bad', name), name.startsWith('gzip') ? 'gzip' : 'deflate', MAX), 'GW_ERR_ENCODING_CORRUPT');
      });
    }
  });

  describe('when the coding is unknown', () => {
    it('refuses br and compress with GW_ERR_CONTENT_UNSUPPORTED_ENCODING', () => {
      expect(expectHeraldError(() => decodeContentEncoding(HELLO, 'br', MAX), 'GW_ERR_CONTENT_UNSUPPORTED_ENCODING').meta).toEqual({ encoding: 'br' });
      expectHeraldError(() => decodeContentEncoding(HELLO, 'deflate, compress', MAX), 'GW_ERR_CONTENT_UNSUPPORTED_ENCODING');
    });

    it('refuses more than two stacked codings', () => {
      expectHeraldError(() => decodeContentEncoding(HELLO, 'deflate, deflate, deflate', MAX), 'GW_ERR_CONTENT_UNSUPPORTED_ENCODING');
    });
  });

  describe('when round-tripping generated bodies', () => {
    it('decode(encode(x)) equals x for deflate and gzip', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2_000 }), fc.constantFrom('deflate', 'gzip') , (bytes, coding: 'deflate' | 'gzip') => {
          const body = Buffer.from(bytes);
          expect(decodeContentEncoding(encodeContentEncoding(body, coding), coding, 4_096)).toEqual(body);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the input is arbitrary', () => {
    it('returns bytes or throws a HeraldError, for any body and coding', () => {
      const header = fc.oneof(fc.constantFrom('deflate', 'gzip', 'identity', 'deflate, gzip'), fc.string({ maxLength: 20 }));
      const body = fc.oneof(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }).map((b) => Uint8Array.from([0x78, 0x9c, ...b])),
        fc.uint8Array({ maxLength: 100 }).map((b) => Uint8Array.from([0x1f, 0x8b, 0x08, ...b])),
      );
      fc.assert(fc.property(body, header, (b, h) => valueOrHeraldError(() => decodeContentEncoding(Buffer.from(b), h, 1_000))), {
        numRuns: FUZZ_RUNS,
      });
    });
  });
});
