import { describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { badBytes, checkHeaderBytes } from '../../../src/ingress/header-bytes.js';

describe('header bytes', () => {
  it.each([
    ['a\u0000b', 'NUL byte'],
    ['caf\ufffd', 'invalid UTF-8'],
    ['x\ud800y', 'invalid UTF-8'],
    ['bell\u0007', 'control character U+0007'],
    ['del\u007f', 'control character U+007F'],
  ])('should name the fault in %j', (value, fault) => {
    expect(badBytes(value)).toBe(fault);
  });

  it('should pass UTF-8 text, tabs and emoji', () => {
    expect(badBytes('Zoë\t<sip:zoe@example.com> 😀')).toBeUndefined();
  });

  it('should throw GW_ERR_SIP_INVALID_BYTES (400) naming the header', () => {
    let thrown: unknown;
    try {
      checkHeaderBytes({ From: ['sip:ok@example.com', undefined], 'Call-ID': 'abc\u0000@host' });
    } catch (err) {
      thrown = err;
    }
    expect(isHeraldError(thrown, 'GW_ERR_SIP_INVALID_BYTES')).toBe(true);
    expect(isHeraldError(thrown) && thrown.sipStatus).toBe(400);
    expect(isHeraldError(thrown) && thrown.meta.header).toBe('Call-ID');
  });
});
