import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';
import { sipStartFacts } from '../../src/sip-start-facts.js';

const sipOf = (sip: Record<string, unknown>) => configSchema.parse({ sip }).sip;

describe('sipStartFacts', () => {
  describe('when the edge is standalone', () => {
    it('should name the address the edge listens on', () => {
      expect(sipStartFacts(sipOf({ host: '10.0.0.5', port: 0 }), { address: () => ({ host: '10.0.0.5', port: 5070 }) })).toEqual({ sip: '10.0.0.5:5070' });
    });
  });

  describe('when the edge is drachtio', () => {
    it('should name the admin connection in inbound mode, never the unused standalone address', () => {
      const facts = sipStartFacts(sipOf({ edge: 'drachtio', host: '10.0.0.5', port: 5060, drachtio: { secret: 's', host: '10.0.0.9', port: 9022 } }), {});
      expect(facts).toEqual({ drachtio: 'inbound: connects to 10.0.0.9:9022' });
      expect(JSON.stringify(facts)).not.toContain('5060');
    });

    it('should name the listener and the sending connection in outbound mode', () => {
      const sip = sipOf({ edge: 'drachtio', host: '0.0.0.0', drachtio: { secret: 's', mode: 'outbound', host: '10.0.0.9', port: 4000, adminPort: 9023 } });
      expect(sipStartFacts(sip, {})).toEqual({ drachtio: 'outbound: listens on 0.0.0.0:4000, sends through 10.0.0.9:9023' });
    });
  });
});
