import { describe, expect, it } from 'vitest';
import { inNetworks, parseNetwork, type Network } from '../../../src/ingress/cidr.js';

function nets(...cidrs: string[]): Network[] {
  return cidrs.map((c) => {
    const n = parseNetwork(c);
    if (n === undefined) throw new Error(`bad test CIDR ${c}`);
    return n;
  });
}

describe('cidr', () => {
  describe('when matching IPv4 peers', () => {
    it('matches inside the network and not outside', () => {
      const allow = nets('10.1.0.0/16', '192.0.2.7');
      expect(inNetworks('10.1.200.3', allow)).toBe(true);
      expect(inNetworks('10.2.0.1', allow)).toBe(false);
      expect(inNetworks('192.0.2.7', allow)).toBe(true);
      expect(inNetworks('192.0.2.8', allow)).toBe(false);
    });

    it('matches an IPv4-mapped IPv6 address against an IPv4 network', () => {
      expect(inNetworks('::ffff:127.0.0.1', nets('127.0.0.0/8'))).toBe(true);
    });
  });

  describe('when matching IPv6 peers', () => {
    it('matches compressed forms', () => {
      const allow = nets('2001:db8::/32', '::1/128');
      expect(inNetworks('2001:db8:0:1::5', allow)).toBe(true);
      expect(inNetworks('2001:db9::1', allow)).toBe(false);
      expect(inNetworks('::1', allow)).toBe(true);
    });
  });

  describe('when input is not an address', () => {
    it('refuses to parse bad networks and never matches garbage', () => {
      expect(parseNetwork('10.0.0.0/33')).toBeUndefined();
      expect(parseNetwork('example.com')).toBeUndefined();
      expect(inNetworks('not-an-ip', nets('0.0.0.0/0'))).toBe(false);
    });

    it('lets 0.0.0.0/0 allow every IPv4 peer', () => {
      expect(inNetworks('203.0.113.9', nets('0.0.0.0/0'))).toBe(true);
    });
  });
});
