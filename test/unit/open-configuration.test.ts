import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../src/config.js';
import { isHeraldError } from '../../src/errors.js';
import { openConfigurationWarnings } from '../../src/open-configuration.js';

const codes = (input: unknown): string[] => openConfigurationWarnings(configSchema.parse(input)).map((w) => w.code);

describe('open configuration warnings', () => {
  it('should say nothing for the defaults (loopback only)', () => {
    expect(codes({})).toEqual([]);
  });

  describe('when a door is open', () => {
    it('should warn for an empty allow-list without digest', () => {
      expect(codes({ sip: { allowedNetworks: [] } })).toContain('GW_WARN_SIP_NO_SENDER_CHECK');
    });

    it('should warn for an allow-list of every address without digest', () => {
      expect(codes({ sip: { allowedNetworks: ['0.0.0.0/0'] } })).toEqual(expect.arrayContaining(['GW_WARN_SIP_ALLOW_ALL_NETWORKS', 'GW_WARN_SIP_FROM_UNVERIFIED']));
    });

    it('should warn when peers beyond loopback are believed on their From', () => {
      expect(codes({ sip: { allowedNetworks: ['10.0.0.0/8'] } })).toEqual(['GW_WARN_SIP_FROM_UNVERIFIED']);
      expect(codes({ sip: { allowedNetworks: ['10.0.0.0/8'], trustedProxyNetworks: ['10.1.0.0/16'] } })).toEqual([]);
    });

    it('should warn for every address trusted to assert identities, MD5-only digest, and open IMDN routes', () => {
      expect(codes({ sip: { trustedProxyNetworks: ['::/0'] } })).toContain('GW_WARN_SIP_TRUST_ALL_PROXIES');
      expect(codes({ sip: { digestRealm: 'r', digestAlgorithms: ['MD5'] } })).toContain('GW_WARN_SIP_DIGEST_MD5_ONLY');
      expect(codes({ imdn: { routeAllow: ['0.0.0.0/0'] } })).toContain('GW_WARN_IMDN_ROUTE_OPEN');
    });
  });

  it('should warn for a short drachtio secret and an outbound listener on every interface', () => {
    expect(codes({ sip: { edge: 'drachtio', drachtio: { secret: 'cymru' } } })).toEqual(['GW_WARN_DRACHTIO_SHORT_SECRET']);
    expect(codes({ sip: { edge: 'drachtio', host: '0.0.0.0', drachtio: { mode: 'outbound', secret: 'a-long-random-secret-value' } } })).toEqual(['GW_WARN_DRACHTIO_LISTEN_ALL']);
  });

  it('should be quiet with digest on, whatever the networks', () => {
    expect(codes({ sip: { allowedNetworks: [], digestRealm: 'r' } })).toEqual([]);
  });
});

describe('drachtio secret', () => {
  it('should refuse the drachtio edge without a secret, naming the setting in one line', () => {
    let thrown: unknown;
    try {
      loadConfig({ env: { HERALD_SIP_EDGE: 'drachtio' } });
    } catch (err) {
      thrown = err;
    }
    expect(isHeraldError(thrown, 'GW_ERR_CONFIG_INVALID')).toBe(true);
    const problems = isHeraldError(thrown) ? (thrown.meta.problems as string[]) : [];
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^HERALD_SIP_DRACHTIO_SECRET \(sip\.drachtio\.secret\): required/);
  });

  it('should have no built-in secret', () => {
    expect(loadConfig({ env: {} }).sip.drachtio.secret).toBeUndefined();
    expect(loadConfig({ env: { HERALD_SIP_EDGE: 'drachtio', HERALD_SIP_DRACHTIO_SECRET: 's3cret' } }).sip.drachtio.secret).toBe('s3cret');
  });
});
