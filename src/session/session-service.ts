/**
 * Session mode (3GPP TS 29.311, Herald as the IWF): an INVITE for an MSRP chat or a Large
 * Message Mode message is answered by Herald; each whole message that arrives in the
 * session goes through the page-mode pipeline (ingress.submit) as if it were a MESSAGE,
 * so it gets its own ledger row, delivery, IMDN handling and limits. BYE ends the session.
 *
 * The INVITE pipeline is a named list (STYLE rule 9): each step fills locals or answers.
 */
import type { HeraldConfig } from '../config.js';
import { heraldError, toHeraldError } from '../errors.js';
import type { IngressOutcome } from '../ingress/ingress.js';
import { inNetworks, parseNetwork, type Network } from '../ingress/cidr.js';
import { errorReply, reply } from '../ingress/sip-reply.js';
import { checkSmsDestination } from '../ingress/abuse-policy.js';
import type { Logger } from '../logger.js';
import type { MsrpEndpoint, MsrpIncomingMessage, MsrpTerms, MsrpVerdict } from '../ports/msrp-endpoint.port.js';
import { randomPoolBytes } from '../domain/random-pool.js';
import type { SipFinalResponse, SipInDialogRequest, SipIncomingRequest, SipReply } from '../ports/sip-edge.port.js';
import { routeRecipient, type Route } from '../routing/route-recipient.js';
import { verdictOf } from './msrp-status.js';
import type { OpenSession, SessionRegistry } from './session-registry.js';
import { imdnMessageIdOf } from './cpim-id.js';

/** RFC 4975 §8 (SDP accept-types, accept-wrapped-types): what Herald takes in a session, wrapped in CPIM or not. */
export const SESSION_ACCEPT_TYPES = ['message/cpim', 'text/plain', 'message/imdn+xml', 'application/im-iscomposing+xml'];
export const SESSION_ACCEPT_WRAPPED_TYPES = ['text/plain', 'message/imdn+xml', 'application/im-iscomposing+xml'];

/** OMA SIMPLE IM / CPM feature tag of a Large Message Mode INVITE (OMA SIMPLE IM). */
const LARGE_MESSAGE_TAG = '+g.oma.sip-im.large-message';

export interface SessionServiceDeps {
  readonly config: HeraldConfig;
  readonly msrp: MsrpEndpoint;
  /** The page-mode pipeline without the SIP peer check (the INVITE passed it). */
  readonly submit: (request: SipIncomingRequest) => Promise<IngressOutcome>;
  readonly registry: SessionRegistry;
  readonly log: Logger;
  /** Sends BYE in a session's dialog when Herald ends it (Large Message Mode done, idle); without it Herald only closes MSRP. */
  readonly sendInDialog?: ((request: SipInDialogRequest) => Promise<SipFinalResponse>) | undefined;
}

interface Locals {
  route?: Route;
  largeMessageMode?: boolean;
}

type Step = (request: SipIncomingRequest, locals: Locals) => SipReply | undefined | Promise<SipReply | undefined>;

export interface SessionService {
  /** Answers INVITE and BYE; anything else is not its business (405). */
  handle(request: SipIncomingRequest): Promise<SipReply>;
  stop(): Promise<void>;
}

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { config, registry } = deps;
  const host = config.sip.domain;
  const networks: Network[] = config.sip.allowedNetworks.flatMap((cidr) => parseNetwork(cidr) ?? []);

  const checkPeer: Step = (request) => {
    if (networks.length > 0 && !inNetworks(request.source.address, networks)) {
      return errorReply(heraldError('GW_ERR_SIP_FORBIDDEN', `source ${request.source.address} is not an allowed network`), host);
    }
    // Digest on INVITE is not built yet: with digest on, sessions are refused rather than
    // admitted on the network alone (docs/session-mode.md).
    if (config.sip.digestRealm !== undefined) return errorReply(heraldError('GW_ERR_SIP_FORBIDDEN', 'sessions are not served with digest authentication on'), host);
    return undefined;
  };

  const checkSdp: Step = (request) => {
    const type = (request.headers['content-type']?.[0] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type === 'application/sdp') return undefined;
    return errorReply(heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', `INVITE body ${type === '' ? 'missing' : type}; an SDP offer is needed`), host, { Accept: 'application/sdp' });
  };

  /** A session to a recipient no channel takes is refused before it is set up. */
  const route: Step = (request, locals) => {
    const target = routeRecipient(request.requestUri, config.routing);
    if (target.channel === 'sms') checkSmsDestination(target.targetUri.slice('tel:'.length), config.abuse, target.nationalDigits);
    locals.route = target;
    const tags = [...(request.headers['accept-contact'] ?? []), ...(request.headers.contact ?? [])].join(',');
    locals.largeMessageMode = tags.includes(LARGE_MESSAGE_TAG);
    return undefined;
  };

  const answer: Step = async (request, locals) => {
    const target = locals.route;
    if (target === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', 'pipeline order');
    if (registry.byCallId(request.callId) !== undefined) return reply(491, 'Request Pending');
    const terms: MsrpTerms = {
      // REQ-CONTENT-1: a=max-size says what the far channel can take before a byte is sent.
      maxMessageBytes: target.channel === 'email' ? Math.min(config.session.maxMessageBytes, config.smtp.maxMessageBytes) : config.session.maxMessageBytes,
      acceptTypes: SESSION_ACCEPT_TYPES,
      acceptWrappedTypes: SESSION_ACCEPT_WRAPPED_TYPES,
    };
    let open: OpenSession | undefined;
    let sequence = 0;
    const toTag = randomPoolBytes(8).toString('hex');
    const log = deps.log.child({ callId: request.callId });
    const answered = await deps.msrp.answer(request.body.toString('utf8'), terms, {
      message: async (message) => {
        if (open === undefined) return { status: 481, comment: 'No Such Session' };
        const verdict = await deliver(open, message, ++sequence, request, log);
        if (open.largeMessageMode) {
          // One message per Large Message Mode session (TS 29.311 Large Message Mode): done once answered.
          const ending = open;
          setImmediate(() => void ending.msrp.close('large message delivered'));
        }
        return verdict;
      },
      closed: (reason) => {
        if (open !== undefined) registry.remove(open);
        log.info({ reason }, 'session ended');
        if (reason !== 'BYE' && reason !== 'shutdown') void endDialog(request, toTag, log);
      },
    });
    open = {
      callId: request.callId,
      imUser: request.from.uri,
      farParty: target.targetUri,
      largeMessageMode: locals.largeMessageMode === true,
      msrp: answered.session,
      tags: { local: toTag, remote: request.from.tag },
    };
    registry.add(open);
    log.info({ sessionId: answered.session.id, channel: target.channel, largeMessageMode: open.largeMessageMode }, 'session accepted');
    return { status: 200, reason: 'OK', contentType: 'application/sdp', body: answered.sdp, toTag };
  };

  /** Herald ended the session (Large Message Mode done, connection gone): BYE ends the dialog (RFC 3261 §15.1.1). */
  async function endDialog(invite: SipIncomingRequest, toTag: string, log: Logger): Promise<void> {
    if (deps.sendInDialog === undefined) return;
    const contact = /<([^>]+)>/.exec(invite.headers.contact?.[0] ?? '')?.[1] ?? invite.headers.contact?.[0]?.trim() ?? invite.from.uri;
    try {
      const answer = await deps.sendInDialog({
        method: 'BYE',
        requestUri: contact,
        callId: invite.callId,
        local: { uri: invite.to.uri, tag: toTag },
        remote: { uri: invite.from.uri, tag: invite.from.tag },
        cseq: 1,
      });
      log.debug({ status: answer.status }, 'BYE answered');
    } catch (err) {
      log.info({ err }, 'BYE could not be sent');
    }
  }

  /** One whole message of the session through the page-mode pipeline: its own ledger row and delivery. */
  async function deliver(session: OpenSession, message: MsrpIncomingMessage, sequence: number, invite: SipIncomingRequest, log: Logger): Promise<MsrpVerdict> {
    const asMessage: SipIncomingRequest = {
      method: 'MESSAGE',
      requestUri: invite.requestUri,
      from: invite.from,
      to: invite.to,
      // Session + MSRP Message-ID: a message resent after a reconnect is recognised as the same one.
      callId: `${message.messageId}.${invite.callId}`,
      cseq: sequence,
      headers: { 'content-type': [message.contentType] },
      body: message.body,
      source: invite.source,
    };
    const outcome = await deps.submit(asMessage);
    const imdnId = imdnMessageIdOf(message);
    if (outcome.reply.status < 300 && imdnId !== undefined) registry.rememberImdnId(session, imdnId);
    log.debug({ msgId: outcome.messageId, status: outcome.reply.status, msrpMessageId: message.messageId }, 'session message handled');
    return verdictOf(outcome.reply);
  }

  const INVITE_PIPELINE: readonly Step[] = [checkPeer, checkSdp, route, answer];

  async function invite(request: SipIncomingRequest): Promise<SipReply> {
    const locals: Locals = {};
    try {
      for (const step of INVITE_PIPELINE) {
        const final = await step(request, locals);
        if (final !== undefined) return final;
      }
      throw heraldError('GW_ERR_GATEWAY_INTERNAL', 'INVITE pipeline ended without a reply');
    } catch (err) {
      const error = toHeraldError(err);
      if (error.sipStatus >= 500) deps.log.error({ err, callId: request.callId }, 'INVITE failed');
      else deps.log.info({ code: error.code, detail: error.detail, callId: request.callId }, 'INVITE refused');
      return errorReply(error, host);
    }
  }

  async function bye(request: SipIncomingRequest): Promise<SipReply> {
    const session = registry.byCallId(request.callId);
    // RFC 3261 §12.2.2: the request belongs to the dialog only when Call-ID and both tags match.
    if (session === undefined || request.to.tag !== session.tags.local || request.from.tag !== session.tags.remote) {
      return reply(481, 'Call/Transaction Does Not Exist');
    }
    await session.msrp.close('BYE');
    return reply(200, 'OK');
  }

  return {
    handle(request: SipIncomingRequest): Promise<SipReply> {
      if (request.method === 'INVITE') return invite(request);
      if (request.method === 'BYE') return bye(request);
      return Promise.resolve(errorReply(heraldError('GW_ERR_SIP_METHOD', request.method), host));
    },
    async stop(): Promise<void> {
      for (const session of registry.all()) await session.msrp.close('shutdown');
    },
  };
}
