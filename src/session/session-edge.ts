/**
 * The SIP edge as the channels see it in session mode: a MESSAGE Herald would send to an
 * IM user who has a session open goes into that session as an MSRP SEND instead
 * (TS 29.311: MO in a session, IMDNs inside the session). Without a session,
 * or when the session cannot take it, it goes as a MESSAGE, as in page mode. The channels
 * and the dispositions service do not know sessions exist.
 */
import { parseCpim } from '../codecs/cpim.js';
import { parseImdn } from '../codecs/imdn.js';
import type { Logger } from '../logger.js';
import type { SipEdge, SipFinalResponse, SipOutgoingMessage } from '../ports/sip-edge.port.js';
import { routeRecipient, type RoutingRules } from '../routing/route-recipient.js';
import type { OpenSession, SessionRegistry } from './session-registry.js';

/** The session an outgoing MESSAGE belongs in: an IMDN about a session message, or anything from the far party. */
export function sessionFor(message: SipOutgoingMessage, registry: SessionRegistry, routing: RoutingRules): OpenSession | undefined {
  if (registry.size === 0) return undefined;
  const imUser = message.to.uri;
  if (message.contentType.toLowerCase().startsWith('message/cpim')) {
    try {
      const cpim = parseCpim(Buffer.from(message.body));
      if ((cpim.contentType ?? '').toLowerCase().startsWith('message/imdn+xml')) {
        const session = registry.byImdnId(imUser, parseImdn(cpim.body).messageId);
        if (session !== undefined) return session;
      }
    } catch {
      // Not a CPIM Herald can read: it is not an IMDN of a session message either.
    }
  }
  try {
    return registry.byParties(imUser, routeRecipient(message.from.uri, routing).targetUri);
  } catch {
    return undefined;
  }
}

export function withSessions(edge: SipEdge, registry: SessionRegistry, routing: RoutingRules, log: Logger): SipEdge {
  const inDialog = edge.sendInDialog?.bind(edge);
  return {
    start: (handler) => edge.start(handler),
    isReady: () => edge.isReady(),
    stop: () => edge.stop(),
    ...(edge.address === undefined ? {} : { address: () => edge.address?.() ?? { host: '', port: 0 } }),
    ...(inDialog === undefined ? {} : { sendInDialog: inDialog }),
    async send(message: SipOutgoingMessage): Promise<SipFinalResponse> {
      const session = sessionFor(message, registry, routing);
      if (session === undefined) return edge.send(message);
      try {
        await session.msrp.send(message.contentType, Buffer.from(message.body));
        log.debug({ callId: session.callId, to: message.to.uri }, 'sent inside the MSRP session');
        return { status: 200, reason: 'OK (MSRP session)', headers: {} };
      } catch (err) {
        log.info({ err, callId: session.callId }, 'MSRP session could not take it; sending as MESSAGE');
        return edge.send(message);
      }
    },
  };
}
