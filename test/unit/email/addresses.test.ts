import { describe, expect, it } from 'vitest';
import { addrSpecOf, mailtoAddress, normaliseReplyText, replyAddressFor, replyTokenIn } from '../../../src/email/index.js';
import { newReplyToken, replyTokenKeys } from '../../../src/email/addresses.js';

describe('mailtoAddress', () => {
  it('decodes and lower-cases the domain only', () => {
    expect(mailtoAddress('mailto:Bob.Smith@Example.COM')).toBe('Bob.Smith@example.com');
    expect(mailtoAddress('mailto:a%2Bb@x.test?subject=hi')).toBe('a+b@x.test');
  });

  it.each(['sip:bob@example.com', 'mailto:nobody', 'mailto:a%0D%0ABcc:x@y@z', 'mailto:%E0%A4%A'])('refuses %s with GW_ERR_EMAIL_ADDRESS', (uri) => {
    expect(() => mailtoAddress(uri)).toThrow(expect.objectContaining({ code: 'GW_ERR_EMAIL_ADDRESS' }));
  });
});

describe('reply tokens', () => {
  const template = 'replies+{token}@herald.test';

  it('round-trips through the template', () => {
    expect(replyTokenIn(template, [replyAddressFor(template, 'AbC_12-xyz')])).toBe('AbC_12-xyz');
  });

  it('finds the token in a To value with a display name, case-insensitively', () => {
    expect(replyTokenIn(template, ['Herald <REPLIES+tok12345@HERALD.TEST>'])).toBe('tok12345');
  });

  it('ignores other addresses and short tokens', () => {
    expect(replyTokenIn(template, ['alice@example.test', 'replies+ab@herald.test', 'replies@herald.test'])).toBeUndefined();
  });

  it('reads addr-specs out of From values', () => {
    expect(addrSpecOf('"Alice" <alice@example.test>')).toBe('alice@example.test');
    expect(addrSpecOf('alice@example.test (Alice)')).toBe('alice@example.test');
    expect(addrSpecOf('no address')).toBeUndefined();
  });
});

describe('normaliseReplyText', () => {
  it('normalises line ends, trailing blanks, blank runs and NFC', () => {
    expect(normaliseReplyText('  Cafe\u0301  \r\n\r\n\r\n\r\nok \t\r\n')).toBe('Café\n\nok');
  });
});

describe('reply tokens and case (mail systems may lower-case a local part)', () => {
  it('issues tokens that survive lower-casing and the address template', () => {
    const template = 'replies+{token}@herald.test';
    for (let i = 0; i < 50; i++) {
      const token = newReplyToken();
      expect(token).toBe(token.toLowerCase());
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      expect(replyTokenIn(template, [replyAddressFor(template, token).toUpperCase()])?.toLowerCase()).toBe(token);
    }
  });
  it('looks a found token up as written, then lower-cased', () => {
    expect(replyTokenKeys('ABCDEF0123456789')).toEqual(['ABCDEF0123456789', 'abcdef0123456789']);
    expect(replyTokenKeys('abcdef0123456789')).toEqual(['abcdef0123456789']);
  });
});
