/**
 * Threat: a gateway started open (allow-list of every address, no digest) or with a
 * well-known drachtio secret, without a word (issue 15, finding 6).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startGatewayProcess } from '../helpers/gateway-process.js';

describe('open configuration at start', () => {
  describe('when the SIP allow-list admits every address without digest', () => {
    it('should log one structured warning per open door', async () => {
      const gateway = await startGatewayProcess({
        env: {
          HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
          HERALD_SIP_ALLOWED_NETWORKS: '0.0.0.0/0,::/0',
          HERALD_IMDN_ROUTE_ALLOW: '0.0.0.0/0',
        },
      });
      try {
        const warnings = gateway.logs.filter((l) => l.level === 40 && typeof l.warning === 'string').map((l) => l.warning);
        expect(warnings).toEqual(expect.arrayContaining(['GW_WARN_SIP_ALLOW_ALL_NETWORKS', 'GW_WARN_SIP_FROM_UNVERIFIED', 'GW_WARN_IMDN_ROUTE_OPEN']));
        const line = gateway.logs.find((l) => l.warning === 'GW_WARN_SIP_ALLOW_ALL_NETWORKS');
        expect(line?.setting).toBe('HERALD_SIP_ALLOWED_NETWORKS');
      } finally {
        expect(await gateway.stop('SIGTERM')).toBe(0);
      }
    });
  });

  describe('when the drachtio edge has no secret', () => {
    it('should refuse to start, in one line naming the setting', async () => {
      const gateway = await startGatewayProcess({ waitReady: false, env: { HERALD_SIP_EDGE: 'drachtio' } });
      const code = await gateway.exited;
      expect(code).toBe(1);
      const lines = gateway.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^herald: .*HERALD_SIP_DRACHTIO_SECRET/);
    });
  });
});
