import { describe, expect, it } from 'vitest';
import { routePolicy } from '../../../src/ingress/imdn-route-policy.js';

describe('IMDN route policy', () => {
  describe('when nothing is configured', () => {
    const policy = routePolicy([]);

    it("should keep routes in the sender's own domain", () => {
      expect(policy.split(['sip:imdn.example.com;lr', 'sip:example.com:5070', 'sip:badexample.com'], 'sip:alice@example.com').dropped).toEqual(['sip:badexample.com']);
      expect(policy.split(['sip:example.com:5070;lr'], 'sip:alice@example.com').kept).toEqual(['sip:example.com:5070;lr']);
    });

    it('should give an address-literal sender no subdomains', () => {
      expect(policy.split(['sip:1.127.0.0.1'], 'sip:alice@127.0.0.1').dropped).toEqual(['sip:1.127.0.0.1']);
    });

    it('should drop routes to internal addresses and other domains', () => {
      const { kept, dropped } = policy.split(['sip:10.0.0.5:6379', 'sip:[::1]:8080', 'sip:evil.example'], 'sip:alice@example.com');
      expect(kept).toEqual([]);
      expect(dropped).toHaveLength(3);
    });
  });

  describe('when imdn.routeAllow lists domains and networks', () => {
    const policy = routePolicy(['*.example.net', 'relay.example.org', '192.0.2.0/24']);

    it.each(['sip:a.example.net', 'sip:relay.example.org;lr', 'sip:192.0.2.7:5060'])('should keep %s', (route) => {
      expect(policy.split([route], 'tel:+15550001111').kept).toEqual([route]);
    });

    it.each(['sip:example.net.evil.com', 'sip:xrelay.example.org', 'sip:192.0.3.1'])('should drop %s', (route) => {
      expect(policy.split([route], 'tel:+15550001111').dropped).toEqual([route]);
    });
  });
});
