import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { runSipp } from '../helpers/sipp.js';
import { sippSend } from '../helpers/sipp-send.js';

describe('SIP ingress with digest authentication', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      env: {
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_DIGEST_REALM: 'herald.test',
        HERALD_SIP_DIGEST_USERS: JSON.stringify([{ username: 'alice', password: 'wonderland' }]),
        // sipp 3.6 reads only the first challenge and speaks only MD5: the old-client case
        // HERALD_SIP_DIGEST_ALGORITHMS exists for (sip-digest-replay.test.ts covers SHA-256).
        HERALD_SIP_DIGEST_ALGORITHMS: 'MD5',
        // sipp's From is sip:alice@127.0.0.1: the digest user alice in the gateway's domain.
        HERALD_SIP_DOMAIN: '127.0.0.1',
      },
    });
  });

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
  });

  describe('when the sender has no credentials', () => {
    it('challenges with 401 and WWW-Authenticate', async () => {
      const response = await sippSend({
        gatewayPort: gateway.sipPort,
        transport: 'udp',
        toUser: '+15551234567',
        headers: { 'Content-Type': 'text/plain' },
        body: 'no credentials',
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Digest realm="herald\.test", nonce="[^"]+", algorithm=MD5, qop="auth"/);
    });
  });

  describe('when the sender answers the challenge', () => {
    it.each(['udp', 'tcp'] as const)('accepts the MESSAGE over %s with 202', async (transport) => {
      const run = await runSipp({
        scenario: 'uac-message-digest.xml',
        remote: `127.0.0.1:${gateway.sipPort}`,
        transport,
        vars: { to: `+15551234567@127.0.0.1:${gateway.sipPort}` },
        // sipp's digest uri defaults to the remote address; RFC 3261 §22.4 wants the Request-URI.
        extraArgs: ['-au', 'alice', '-ap', 'wonderland', '-auth_uri', `+15551234567@127.0.0.1:${gateway.sipPort}`],
      });
      const result = await run.done;
      expect(result.exitCode, result.errors).toBe(0);
      expect(result.messages).toMatch(/SIP\/2\.0 202 Accepted/);
    });

    it('refuses a wrong password with another 401', async () => {
      const run = await runSipp({
        scenario: 'uac-message-digest.xml',
        remote: `127.0.0.1:${gateway.sipPort}`,
        transport: 'udp',
        vars: { to: `+15551234567@127.0.0.1:${gateway.sipPort}` },
        extraArgs: ['-au', 'alice', '-ap', 'wrong', '-auth_uri', `+15551234567@127.0.0.1:${gateway.sipPort}`],
        timeoutMs: 5000,
      });
      const result = await run.done;
      expect(result.exitCode).not.toBe(0);
      expect(result.messages).not.toMatch(/SIP\/2\.0 202 Accepted/);
      expect(result.messages.match(/SIP\/2\.0 401 Unauthorized/g)?.length).toBeGreaterThanOrEqual(2);
    });
  });
});
