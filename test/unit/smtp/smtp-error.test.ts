import { describe, expect, it } from 'vitest';
import { buildMessage, classifySmtpFailure, headerText, smtpError } from '../../../adapters/smtp/index.js';

describe('classifySmtpFailure', () => {
  it.each<[number | undefined, string | undefined, string]>([
    [550, 'RCPT TO', 'GW_ERR_SMTP_REJECTED'],
    [552, 'DATA', 'GW_ERR_SMTP_REJECTED'],
    [553, 'MAIL FROM', 'GW_ERR_SMTP_REJECTED'],
    [451, 'RCPT TO', 'GW_ERR_SMTP_DEFERRED'],
    [421, 'CONN', 'GW_ERR_SMTP_DEFERRED'],
    [535, 'AUTH PLAIN', 'GW_ERR_SMTP_UNAVAILABLE'],
    [undefined, 'CONN', 'GW_ERR_SMTP_UNAVAILABLE'],
  ])('%s to %s → %s', (code, command, expected) => {
    expect(classifySmtpFailure(code, command)).toBe(expected);
  });
});

describe('smtpError', () => {
  it('keeps the reply code, command, text and enhanced status', () => {
    const err = smtpError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 <x@y>: Recipient\n address rejected' }, 'relay');
    expect(err.code).toBe('GW_ERR_SMTP_REJECTED');
    expect(err.permanent).toBe(true);
    expect(err.meta).toMatchObject({ responseCode: 550, command: 'RCPT TO', enhancedStatus: '5.1.1', smtpCode: 'EENVELOPE', response: '550 5.1.1 <x@y>: Recipient address rejected' });
  });

  it('makes a connection failure transient', () => {
    const err = smtpError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET', command: 'CONN' }), 'relay');
    expect(err.code).toBe('GW_ERR_SMTP_UNAVAILABLE');
    expect(err.permanent).toBe(false);
  });
});

describe('header safety', () => {
  it('flattens every line break and control character', () => {
    expect(headerText('a\r\nBcc: x\u2028y\u0085z\0')).toBe('a Bcc: x y z');
  });

  it('refuses addresses and Message-IDs that are not bare', () => {
    const base = {
      envelope: { from: 'a@b.c', to: 'd@e.f' },
      from: { address: 'a@b.c' },
      to: { address: 'd@e.f' },
      subject: 's',
      messageId: '<x@y>',
      references: [],
      date: new Date(),
      text: 't',
      attachments: [],
      dsn: { envelopeId: 'e', notify: ['NEVER' as const], originalRecipient: 'd@e.f' },
    };
    expect(() => buildMessage({ ...base, replyTo: 'r@s.t\r\nBcc: v@w.x' })).toThrow(expect.objectContaining({ code: 'GW_ERR_EMAIL_ADDRESS' }));
    expect(() => buildMessage({ ...base, inReplyTo: '<a@b>\r\nX: y' })).toThrow(expect.objectContaining({ code: 'GW_ERR_EMAIL_ADDRESS' }));
    expect(buildMessage(base).dsn).toEqual({ id: 'e', return: 'headers', notify: ['NEVER'], recipient: 'd@e.f' });
  });
});
