import { describe, expect, it } from 'vitest';
import { imapReadiness, smtpReadiness } from '../../../src/email/index.js';

describe('email readiness', () => {
  describe('when nothing is configured', () => {
    it('says none configured for both', () => {
      expect(smtpReadiness({ state: 'none-configured' })).toBe('none configured');
      expect(imapReadiness(false, [])).toBe('none configured');
    });
  });

  describe('when the relay or a watcher is down', () => {
    it('is not ready, naming why', () => {
      expect(() => smtpReadiness({ state: 'failing', host: 'smtp.x', lastError: 'ECONNREFUSED', since: 0 })).toThrow(/smtp\.x.*ECONNREFUSED/);
      expect(() => imapReadiness(true, [{ watcher: 'u@h/INBOX', state: 'backoff', lastError: 'login failed' }])).toThrow(/u@h\/INBOX.*login failed/);
    });
  });

  describe('when a watcher reconnects after losing its connection', () => {
    it('is not ready while the attempt runs, but is while the first connection is made', () => {
      expect(() => imapReadiness(true, [{ watcher: 'u@h/INBOX', state: 'connecting', lastError: 'ECONNRESET' }])).toThrow(/u@h\/INBOX.*ECONNRESET/);
      expect(imapReadiness(true, [{ watcher: 'u@h/INBOX', state: 'connecting' }])).toBe('connecting (u@h/INBOX)');
    });
  });

  it('is up when the watchers are', () => {
    expect(smtpReadiness({ state: 'up', host: 'smtp.x' })).toBe('up');
    expect(imapReadiness(true, [{ watcher: 'u@h/INBOX', state: 'idling' }])).toBe('up');
  });
});
