import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config.js';
import { DigestVerifier } from '../../../src/ingress/digest-auth.js';
import { MemoryNonceCounts } from '../../../src/ingress/memory-nonce-counts.js';
import type { SipIncomingRequest } from '../../../src/ports/sip-edge.port.js';
import { createInviteAdmission } from '../../../src/session/invite-auth.js';
import { digestAuthorization } from '../../helpers/raw-sip.js';

const log = pino({ level: 'silent' });
const USERS = [{ username: 'alice', password: 'pw-1' }];

function config(sip: Record<string, unknown>) {
  return configSchema.parse({ sip: { domain: 'gw.test', allowedNetworks: ['192.0.2.0/24'], ...sip } });
}

function invite(overrides: Partial<SipIncomingRequest> = {}, headers: Record<string, string[]> = {}): SipIncomingRequest {
  return {
    method: 'INVITE',
    requestUri: 'sip:+15551230000@gw.test',
    from: { uri: 'sip:alice@gw.test', tag: 'a' },
    to: { uri: 'sip:+15551230000@gw.test' },
    callId: `${randomBytes(4).toString('hex')}@x`,
    cseq: 1,
    headers,
    body: Buffer.alloc(0),
    source: { address: '192.0.2.10', port: 5070, transport: 'udp' },
    ...overrides,
  };
}

describe('INVITE admission', () => {
  describe('when the source is outside the allowed networks', () => {
    it('answers 403 GW_ERR_SIP_FORBIDDEN', async () => {
      const admit = createInviteAdmission({ config: config({ allowedNetworks: ['10.0.0.0/8'] }), log });
      const answer = await admit(invite());
      expect(answer?.status).toBe(403);
      expect(answer?.headers?.Warning).toContain('GW_ERR_SIP_FORBIDDEN');
    });
  });

  describe('when digest is on', () => {
    it('challenges with one WWW-Authenticate per algorithm on the standalone edge, the first only through drachtio', async () => {
      const standalone = await createInviteAdmission({ config: config({ digestRealm: 'r', digestUsers: USERS }), log })(invite());
      const drachtio = await createInviteAdmission({ config: config({ digestRealm: 'r', digestUsers: USERS, edge: 'drachtio', drachtio: { secret: 's' } }), log })(invite());
      expect(standalone?.status).toBe(401);
      expect(Object.values(standalone?.headers ?? {}).map((c) => /algorithm=(\S+),/.exec(c)?.[1])).toEqual(['SHA-256', 'MD5']);
      expect(drachtio?.status).toBe(401);
      expect(Object.keys(drachtio?.headers ?? {})).toEqual(['WWW-Authenticate']);
    });

    it('takes a nonce the MESSAGE pipeline issued (same key, same count store), once', async () => {
      const key = randomBytes(32);
      const nonceCounts = new MemoryNonceCounts();
      const messageVerifier = new DigestVerifier({ realm: 'r', users: USERS, nonceCounts, key });
      const admit = createInviteAdmission({ config: config({ digestRealm: 'r', digestUsers: USERS }), nonceCounts, nonceKey: key, log });
      const challenge = messageVerifier.challenges()[0] ?? '';
      const authorization = digestAuthorization({ challenge, username: 'alice', password: 'pw-1', uri: 'sip:+15551230000@gw.test', method: 'INVITE' }).replace(/^Authorization: /, '');
      expect(await admit(invite({}, { authorization: [authorization] }))).toBeUndefined();
      // The same nonce count again, on another request: a replay.
      expect((await admit(invite({}, { authorization: [authorization] })))?.status).toBe(401);
    });

    it('refuses good credentials whose user is not the From (GW_ERR_SIP_IDENTITY_MISMATCH)', async () => {
      const key = randomBytes(32);
      const admit = createInviteAdmission({ config: config({ digestRealm: 'r', digestUsers: USERS }), nonceKey: key, log });
      const challenge = new DigestVerifier({ realm: 'r', users: USERS, nonceCounts: new MemoryNonceCounts(), key }).challenges()[0] ?? '';
      const authorization = digestAuthorization({ challenge, username: 'alice', password: 'pw-1', uri: 'sip:+15551230000@gw.test', method: 'INVITE' }).replace(/^Authorization: /, '');
      await expect(admit(invite({ from: { uri: 'sip:mallory@gw.test', tag: 'm' } }, { authorization: [authorization] }))).rejects.toMatchObject({ code: 'GW_ERR_SIP_IDENTITY_MISMATCH' });
    });

    it('asks no credentials of a trusted proxy that asserts the identity (RFC 3325)', async () => {
      const admit = createInviteAdmission({ config: config({ allowedNetworks: ['10.0.0.0/8'], digestRealm: 'r', digestUsers: USERS, trustedProxyNetworks: ['192.0.2.0/24'] }), log });
      expect(await admit(invite({}, { 'p-asserted-identity': ['<sip:alice@gw.test>'] }))).toBeUndefined();
      expect((await admit(invite()))?.status).toBe(401);
    });
  });
});
