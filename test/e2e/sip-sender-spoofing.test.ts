/**
 * Threat: an authenticated user sending as someone else (SIP From or CPIM From), and
 * rotating From to escape the per-sender limit (issue 15, finding 4).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { digestAuthorization, sendMessage, type RawMessage, type RawResponse } from '../helpers/raw-sip.js';

describe('SIP sender bound to the authenticated identity', () => {
  let gateway: GatewayProcess;
  const flooder = { username: `flood${randomBytes(3).toString('hex')}`, password: 'x' };
  const requestUri = (): string => `sip:+15551234567@127.0.0.1:${gateway.sipPort}`;

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      env: {
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_DOMAIN: 'herald.test',
        HERALD_SIP_DIGEST_REALM: 'herald.test',
        HERALD_SIP_DIGEST_USERS: JSON.stringify([
          { username: 'alice', password: 'wonderland' },
          flooder,
        ]),
        HERALD_ABUSE_SENDER_PER_MINUTE: '2',
      },
    });
  });

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
  });

  /** Sends `message` as `username`, answering the challenge first. */
  async function asUser(message: Omit<RawMessage, 'requestUri'>, username = 'alice', password = 'wonderland'): Promise<RawResponse> {
    const base = { ...message, requestUri: requestUri() };
    const challenged = await sendMessage(gateway.sipPort, base);
    expect(challenged.status).toBe(401);
    const [challenge = ''] = challenged.headers['www-authenticate'] ?? [];
    return sendMessage(gateway.sipPort, { ...base, headers: [digestAuthorization({ challenge, username, password, uri: base.requestUri })] });
  }

  const cpim = (from: string): string =>
    [`From: <${from}>`, 'To: <sip:+15551234567@herald.test>', '', 'Content-Type: text/plain', '', 'hi'].join('\r\n');

  describe('when an authenticated user claims another user in SIP From', () => {
    it('should refuse it with 403 GW_ERR_SIP_IDENTITY_MISMATCH', async () => {
      const response = await asUser({ from: '<sip:bob@herald.test>', body: 'I am bob' });
      expect(response.status).toBe(403);
      expect(response.headers.warning?.join(',')).toContain('GW_ERR_SIP_IDENTITY_MISMATCH');
    });
  });

  describe('when an authenticated user claims another user in CPIM From', () => {
    it('should refuse it with 403 GW_ERR_SIP_IDENTITY_MISMATCH', async () => {
      const response = await asUser({ from: '<sip:alice@herald.test>', contentType: 'message/cpim', body: cpim('sip:bob@herald.test') });
      expect(response.status).toBe(403);
      expect(response.headers.warning?.join(',')).toContain('GW_ERR_SIP_IDENTITY_MISMATCH');
    });
  });

  describe('when the user writes as itself', () => {
    it('should accept it with 202', async () => {
      const response = await asUser({ from: '"Alice" <sip:alice@herald.test>', contentType: 'message/cpim', body: cpim('sip:alice@herald.test') });
      expect(response.status).toBe(202);
    });
  });

  describe('when one identity varies its From', () => {
    it('should count every MESSAGE against the identity', async () => {
      const froms = [`<sip:${flooder.username}@herald.test>`, `<sips:${flooder.username}@herald.test>`, '"Anonymous" <sip:anonymous@anonymous.invalid>'];
      const statuses: number[] = [];
      for (const from of froms) statuses.push((await asUser({ from, body: `flood ${from}` }, flooder.username, flooder.password)).status);
      expect(statuses).toEqual([202, 202, 403]);
    });
  });
});
