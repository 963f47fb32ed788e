/**
 * Threat: a captured Authorization header used again (another recipient, another body),
 * and a digest computed for one Request-URI presented with another (issue 15, finding 5).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { digestAuthorization, digestParams, sendMessage, type RawMessage, type RawResponse } from '../helpers/raw-sip.js';

describe('SIP digest authentication against replay', () => {
  let gateway: GatewayProcess;
  const recipient = (user: string): string => `sip:${user}@127.0.0.1:${gateway.sipPort}`;
  const alice = '<sip:alice@herald.test>';

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      env: {
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_DOMAIN: 'herald.test',
        HERALD_SIP_DIGEST_REALM: 'herald.test',
        HERALD_SIP_DIGEST_USERS: JSON.stringify([{ username: 'alice', password: 'wonderland' }]),
      },
    });
  });

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
  });

  /** The challenges of a 401 to an unauthenticated MESSAGE. */
  async function challenges(): Promise<readonly string[]> {
    const first = await sendMessage(gateway.sipPort, { requestUri: recipient('+15551234567'), from: alice, body: 'hello' });
    expect(first.status).toBe(401);
    return first.headers['www-authenticate'] ?? [];
  }

  async function authenticated(message: RawMessage, challenge: string, uri = message.requestUri): Promise<{ response: RawResponse; authorization: string }> {
    const authorization = digestAuthorization({ challenge, username: 'alice', password: 'wonderland', uri });
    const response = await sendMessage(gateway.sipPort, { ...message, headers: [authorization] });
    return { response, authorization };
  }

  describe('when challenged', () => {
    it('should offer SHA-256 first and MD5 second, one WWW-Authenticate each, with qop=auth', async () => {
      const offered = await challenges();
      expect(offered.map((c) => digestParams(c).get('algorithm'))).toEqual(['SHA-256', 'MD5']);
      for (const c of offered) expect(digestParams(c).get('qop')).toBe('auth');
    });

    it.each([0, 1])('should accept an answer to challenge #%i (SHA-256, then MD5)', async (index) => {
      const challenge = (await challenges())[index] ?? '';
      const { response } = await authenticated({ requestUri: recipient('+15551234567'), from: alice, body: `algorithm ${index}` }, challenge);
      expect(response.status).toBe(202);
    });
  });

  describe('when a captured Authorization header is sent again', () => {
    it('should refuse it for another recipient and body with a fresh 401', async () => {
      const [challenge = ''] = await challenges();
      const original = { requestUri: recipient('+15551234567'), from: alice, body: 'the real message' };
      const { response, authorization } = await authenticated(original, challenge);
      expect(response.status).toBe(202);
      const replay = await sendMessage(gateway.sipPort, { requestUri: recipient('+15551234567'), from: alice, body: 'send money', headers: [authorization] });
      expect(replay.status).toBe(401);
      expect(replay.headers['www-authenticate']?.length).toBe(2);
    });
  });

  describe('when the digest uri is not the Request-URI', () => {
    it('should refuse credentials computed for another recipient', async () => {
      const [challenge = ''] = await challenges();
      const { response } = await authenticated({ requestUri: recipient('+15559876543'), from: alice, body: 'elsewhere' }, challenge, recipient('+15551234567'));
      expect(response.status).toBe(401);
    });
  });
});
