import { describe, expect, it } from 'vitest';
import { archiveReadiness, archiveSettings, userArchived } from '../../../src/archive/index.js';
import { loadConfig } from '../../../src/config.js';

describe('archive settings', () => {
  describe('when nothing is configured', () => {
    it('is off and /readyz says so', async () => {
      const settings = archiveSettings(loadConfig({ env: {} }).archive, 'herald.test');
      expect(settings.configured).toBe(false);
      expect(await archiveReadiness(settings, undefined, undefined)).toBe('none configured');
    });
  });

  it('picks the user\'s account, then the tenant\'s, then the default', () => {
    const config = loadConfig({
      env: {
        HERALD_ARCHIVE_HOST: 'imap.example.com',
        HERALD_ARCHIVE_USERNAME: 'archive',
        HERALD_ARCHIVE_PASSWORD: 'p',
        HERALD_ARCHIVE_ACCOUNTS: JSON.stringify([
          { user: 'sip:boss@corp.test', username: 'boss-archive', password: 'b', folder: 'Legal/{yyyy}' },
          { user: 'tenant.test', username: 'tenant-archive', password: 't' },
        ]),
      },
    });
    const settings = archiveSettings(config.archive, 'herald.test');
    expect(settings.accountFor('sip:boss@corp.test')).toMatchObject({ account: { username: 'boss-archive' }, folder: 'Legal/{yyyy}' });
    expect(settings.accountFor('sip:x@tenant.test')?.account.username).toBe('tenant-archive');
    expect(settings.accountFor('sip:x@corp.test')).toMatchObject({ account: { username: 'archive' }, folder: 'Archive/{user}/{peer}' });
  });

  it('refuses unknown folder placeholders', () => {
    expect(() => loadConfig({ env: { HERALD_ARCHIVE_FOLDER: 'Archive/{tenant}' } })).toThrow(expect.objectContaining({ code: 'GW_ERR_CONFIG_INVALID' }));
  });

  it('archives a user only when the tenant and the directory allow it', () => {
    const config = loadConfig({ env: { HERALD_ARCHIVE_HOST: 'h', HERALD_ARCHIVE_DOMAINS: 'corp.test' } });
    const settings = archiveSettings(config.archive, 'herald.test');
    const people = {
      entryOf: (uri: string) => (uri === 'sip:on@corp.test' ? { imUri: uri, archiveEnabled: true } : uri === 'sip:off@corp.test' ? { imUri: uri, archiveEnabled: false } : undefined),
    };
    expect(userArchived('sip:on@corp.test', settings, people)).toBe(true);
    expect(userArchived('sip:off@corp.test', settings, people)).toBe(false);
    expect(userArchived('sip:unlisted@corp.test', settings, people)).toBe(false);
    expect(userArchived('sip:on@other.test', settings, people)).toBe(false);
  });

  it('takes the email channel\'s subject template, the default when none is given', () => {
    const config = loadConfig({ env: { HERALD_ARCHIVE_HOST: 'h' } });
    expect(archiveSettings(config.archive, 'herald.test', 'IM from {sender}').subjectTemplate).toBe('IM from {sender}');
    expect(archiveSettings(config.archive, 'herald.test').subjectTemplate).toBe(config.smtp.subjectTemplate);
  });
});
