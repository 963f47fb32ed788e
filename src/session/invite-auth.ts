/**
 * Who may open a session: the same admission a MESSAGE gets (src/ingress/ingress.ts
 * checkPeer), applied to INVITE. The source must be an allowed network or a trusted proxy;
 * from a trusted proxy a P-Asserted-Identity (RFC 3325) names the user; otherwise, with
 * `sip.digestRealm` set, the INVITE is challenged 401 exactly as a MESSAGE is (RFC 7616 /
 * RFC 8760: one WWW-Authenticate per algorithm, the same nonces, signed with the same key and
 * counted in the same store, so a nonce a client got on a MESSAGE works on its INVITE).
 *
 * The session's messages then go through the page-mode pipeline as already admitted, so the
 * INVITE's From must be the identity that authenticated: a From naming anyone else is
 * refused here, once, rather than each message later.
 */
import type { HeraldConfig } from '../config.js';
import { heraldError } from '../errors.js';
import { inNetworks, parseNetwork, type Network } from '../ingress/cidr.js';
import { DigestVerifier } from '../ingress/digest-auth.js';
import { MemoryNonceCounts } from '../ingress/memory-nonce-counts.js';
import { assertedIdentityUri, checkClaims, digestIdentityUri } from '../ingress/sender-identity.js';
import { errorReply, reply } from '../ingress/sip-reply.js';
import type { Logger } from '../logger.js';
import type { NonceCountStore } from '../ports/nonce-count-store.port.js';
import type { SipIncomingRequest, SipReply } from '../ports/sip-edge.port.js';

export interface InviteAuthDeps {
  readonly config: HeraldConfig;
  /** Shared with the MESSAGE pipeline (Redis): a nonce count is used once, whatever the method. */
  readonly nonceCounts?: NonceCountStore | undefined;
  /** The key MESSAGE nonces are signed with, so either method's nonce is good for the other. */
  readonly nonceKey?: Buffer | undefined;
  readonly log: Logger;
}

/** Answers an INVITE that may not open a session; undefined admits it. */
export type InviteAdmission = (request: SipIncomingRequest) => Promise<SipReply | undefined>;

/**
 * Header names for several challenges in one reply map (the reply's headers are a map; SIP
 * names are case-insensitive and the standalone edge writes each key as its own line).
 * drachtio-srf folds same-named headers into one comma-joined field, which RFC 3261's
 * grammar does not allow for challenges, so through drachtio only the preferred one goes.
 */
const CHALLENGE_NAMES = ['WWW-Authenticate', 'Www-Authenticate', 'www-authenticate', 'WWW-AUTHENTICATE'];

export function createInviteAdmission(deps: InviteAuthDeps): InviteAdmission {
  const { sip } = deps.config;
  const host = sip.domain;
  const networks: Network[] = sip.allowedNetworks.flatMap((cidr) => parseNetwork(cidr) ?? []);
  const trustedProxies: Network[] = sip.trustedProxyNetworks.flatMap((cidr) => parseNetwork(cidr) ?? []);
  const digest =
    sip.digestRealm === undefined
      ? undefined
      : new DigestVerifier({ realm: sip.digestRealm, users: sip.digestUsers, algorithms: sip.digestAlgorithms, nonceCounts: deps.nonceCounts ?? new MemoryNonceCounts(), key: deps.nonceKey });
  const identityDomains = [sip.domain, ...(sip.digestRealm === undefined ? [] : [sip.digestRealm])];
  const offered = sip.edge === 'drachtio' ? 1 : CHALLENGE_NAMES.length;

  return async (request) => {
    const source = request.source.address;
    const fromTrustedProxy = trustedProxies.length > 0 && inNetworks(source, trustedProxies);
    if (networks.length > 0 && !fromTrustedProxy && !inNetworks(source, networks)) {
      return errorReply(heraldError('GW_ERR_SIP_FORBIDDEN', `source ${source} is not an allowed network`), host);
    }
    if (fromTrustedProxy && assertedIdentityUri(request.headers['p-asserted-identity'] ?? []) !== undefined) return undefined;
    if (digest === undefined) return undefined;
    const outcome = await digest.verify({
      method: request.method,
      requestUri: request.requestUri,
      authorization: request.headers.authorization?.[0],
      fingerprint: `${request.callId}\n${request.cseq}`,
    });
    if (!outcome.ok) {
      if (outcome.reason !== 'no credentials') deps.log.info({ reason: outcome.reason, source, callId: request.callId }, 'digest credentials on INVITE refused');
      const challenges = outcome.challenges.slice(0, offered);
      return reply(401, 'Unauthorized', Object.fromEntries(challenges.map((c, i) => [CHALLENGE_NAMES[i] ?? 'WWW-Authenticate', c])));
    }
    checkClaims([request.from.uri], { uri: digestIdentityUri(outcome.username, host), via: 'digest', domains: identityDomains });
    return undefined;
  };
}
