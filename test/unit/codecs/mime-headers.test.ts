import { describe, expect, it } from 'vitest';
import { HeraldError } from '../../../src/errors.js';
import { guardCodec } from '../../../src/codecs/guard.js';
import { formatHeaderLine, headerValue, headerValues, readHeaderBlock } from '../../../src/codecs/mime-headers.js';
import { expectHeraldError } from './codec-test-helpers.js';

const opts = { errorCode: 'GW_ERR_MULTIPART_MALFORMED', what: 'test headers', maxHeaders: 3, maxBytes: 200 } as const;

describe('mime-headers', () => {
  describe('when a block ends with a blank line', () => {
    it('reads headers with CRLF or LF, unfolds continuations and reports where the block ends', () => {
      const buf = Buffer.from('A: 1\r\nB:  two\n  more\r\n\r\nbody');
      const block = readHeaderBlock(buf, 0, opts);
      expect(block.headers).toEqual([
        { name: 'A', value: '1' },
        { name: 'B', value: 'two more' },
      ]);
      expect(block.terminated).toBe(true);
      expect(buf.subarray(block.end).toString()).toBe('body');
      expect(headerValue(block.headers, 'b')).toBe('two more');
      expect(headerValues(block.headers, 'a')).toEqual(['1']);
    });
  });

  describe('when the buffer ends first', () => {
    it('says the block is not terminated', () => {
      const block = readHeaderBlock(Buffer.from('A: 1\r\n'), 0, opts);
      expect(block).toEqual({ headers: [{ name: 'A', value: '1' }], end: 6, terminated: false });
    });
  });

  describe('when a line is not a header or a limit is passed', () => {
    it.each([['no colon here\r\n'], ['bad name: x\r\n'], [' lead\r\n'], ['A: \u0007\r\n'], ['A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n'], [`A: ${'x'.repeat(300)}\r\n`]])(
      'refuses %j with the given code',
      (text) => {
        expectHeraldError(() => readHeaderBlock(Buffer.from(text), 0, opts), 'GW_ERR_MULTIPART_MALFORMED');
      },
    );
  });

  describe('when formatting a header line', () => {
    it('refuses values that would split the line', () => {
      expect(formatHeaderLine('A', 'b', 'GW_ERR_CPIM_MALFORMED')).toBe('A: b\r\n');
      expectHeraldError(() => formatHeaderLine('A', 'b\nC: d', 'GW_ERR_CPIM_MALFORMED'), 'GW_ERR_CPIM_MALFORMED');
      expectHeraldError(() => formatHeaderLine('A B', 'b', 'GW_ERR_CPIM_MALFORMED'), 'GW_ERR_CPIM_MALFORMED');
    });
  });
});

describe('guardCodec', () => {
  describe('when the body throws something that is not a HeraldError', () => {
    it('wraps it in the codec code and keeps it as cause', () => {
      const boom = new TypeError('boom');
      const err = expectHeraldError(
        () =>
          guardCodec('GW_ERR_IMDN_MALFORMED', 'IMDN', () => {
            throw boom;
          }),
        'GW_ERR_IMDN_MALFORMED',
      );
      expect(err.cause).toBe(boom);
    });
  });

  describe('when the body throws a HeraldError', () => {
    it('lets it through unchanged', () => {
      const original = new HeraldError('GW_ERR_XML_LIMIT', 'x');
      let caught: unknown;
      try {
        guardCodec('GW_ERR_IMDN_MALFORMED', 'IMDN', () => {
          throw original;
        });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBe(original);
    });
  });
});
