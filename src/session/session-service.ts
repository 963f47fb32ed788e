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
import { errorReply, reply } from '../ingress/sip-reply.js';
import { checkSmsDestination } from '../ingress/abuse-policy.js';
import type { Logger } from '../logger.js';
import type { MsrpEndpoint, MsrpIncomingMessage, MsrpTerms, MsrpVerdict } from '../ports/msrp-endpoint.port.js';
import type { MsrpSessionStore } from '../ports/msrp-session-store.port.js';
import { randomPoolBytes } from '../domain/random-pool.js';
import type { SipFinalResponse, SipInDialogRequest, SipIncomingRequest, SipReply } from '../ports/sip-edge.port.js';
import { routeRecipient, type Route } from '../routing/route-recipient.js';
import { verdictOf } from './msrp-status.js';
import type { OpenSession, SessionRegistry } from './session-registry.js';
import { imdnMessageIdOf } from './cpim-id.js';
import { createInviteAdmission } from './invite-auth.js';
import type { NonceCountStore } from '../ports/nonce-count-store.port.js';
import { expiryDelayMs, negotiateSessionTimer, type SessionTimerSettings, type SessionTimerTerms } from './session-timer.js';

/** RFC 4975 §8 (SDP accept-types, accept-wrapped-types): what Herald takes in a session, wrapped in CPIM or not. */
export const SESSION_ACCEPT_TYPES = ['message/cpim', 'text/plain', 'message/imdn+xml', 'application/im-iscomposing+xml'];
export const SESSION_ACCEPT_WRAPPED_TYPES = ['text/plain', 'message/imdn+xml', 'application/im-iscomposing+xml'];

/** The SIP methods the session service answers (the rest goes to the page-mode ingress). */
export const SESSION_REQUESTS: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'BYE']);

/** End reason of a session its process died with (recorded when the node starts again). */
export const LOST_WITH_PROCESS = 'lost with its process';

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
  /** The MESSAGE pipeline's digest nonce store and key, so INVITE is challenged exactly as MESSAGE is. */
  readonly nonceCounts?: NonceCountStore | undefined;
  readonly nonceKey?: Buffer | undefined;
  /** The ledger's record of sessions and their messages (API, dashboard, archive); without it nothing is recorded. */
  readonly records?: MsrpSessionStore | undefined;
}

interface Locals {
  route?: Route;
  largeMessageMode?: boolean;
  timer?: { readonly terms: SessionTimerTerms | undefined; readonly headers: Readonly<Record<string, string>> };
}

type Step = (request: SipIncomingRequest, locals: Locals) => SipReply | undefined | Promise<SipReply | undefined>;

export interface SessionService {
  /** Answers INVITE (initial, or a refresh in the dialog), UPDATE and BYE; anything else is not its business (405). */
  handle(request: SipIncomingRequest): Promise<SipReply>;
  /** Ends, in the record, the sessions this node's previous process left open (they died with it). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { config, registry } = deps;
  const host = config.sip.domain;

  const admit = createInviteAdmission({ config, nonceCounts: deps.nonceCounts, nonceKey: deps.nonceKey, log: deps.log });
  const timerSettings: SessionTimerSettings = { minSeconds: config.session.minSeSeconds, defaultSeconds: config.session.expiresSeconds };
  /** Expiry timers of the sessions with an agreed Session-Expires (RFC 4028). */
  const expiries = new Map<OpenSession, NodeJS.Timeout>();

  /** Network, trusted proxy and digest, as a MESSAGE is admitted (invite-auth.ts). */
  const checkPeer: Step = (request) => admit(request);

  /** RFC 4028: 422 below Min-SE; the agreed interval goes into the 2xx. */
  const checkTimer: Step = (request, locals) => {
    const negotiated = negotiateSessionTimer(request, timerSettings);
    if (!negotiated.ok) return negotiated.reply;
    locals.timer = { terms: negotiated.terms, headers: negotiated.headers };
    return undefined;
  };

  /** (Re)arms the expiry of `session`: no refresh by then, and Herald ends it with BYE (RFC 4028 §10). */
  function armExpiry(session: OpenSession, terms: SessionTimerTerms | undefined, log: Logger): void {
    const previous = expiries.get(session);
    if (previous !== undefined) clearTimeout(previous);
    expiries.delete(session);
    if (terms === undefined) return;
    const timer = setTimeout(() => {
      expiries.delete(session);
      log.info({ seconds: terms.seconds }, 'session expired without a refresh (RFC 4028)');
      void session.msrp.close('session expired');
    }, expiryDelayMs(terms));
    timer.unref();
    expiries.set(session, timer);
  }

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
    let openedWrite: Promise<void> = Promise.resolve();
    const toTag = randomPoolBytes(8).toString('hex');
    const log = deps.log.child({ callId: request.callId });
    const answered = await deps.msrp.answer(request.body.toString('utf8'), terms, {
      message: async (message) => {
        if (open === undefined) return { status: 481, comment: 'No Such Session' };
        // The message's link to its session needs the session's row first.
        await openedWrite;
        const verdict = await deliver(open, message, ++sequence, request, log);
        if (open.largeMessageMode) {
          // One message per Large Message Mode session (TS 29.311 Large Message Mode): done once answered.
          const ending = open;
          setImmediate(() => void ending.msrp.close('large message delivered'));
        }
        return verdict;
      },
      closed: (reason) => {
        if (open !== undefined) {
          registry.remove(open);
          armExpiry(open, undefined, log);
        }
        log.info({ reason }, 'session ended');
        const ended = new Date();
        // After the start is written: a session that fails at once (no connection) still ends in the record.
        const closing = open;
        if (closing !== undefined) track(openedWrite.then(() => record(log, 'end', (store, id) => store.ended(id, ended, reason), closing.msrp.id)));
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
      answerSdp: answered.sdp,
    };
    registry.add(open);
    armExpiry(open, locals.timer?.terms, log);
    log.info({ sessionId: answered.session.id, channel: target.channel, largeMessageMode: open.largeMessageMode, secure: answered.secure, sessionExpires: locals.timer?.terms?.seconds }, 'session accepted');
    const opened = { id: answered.session.id, callId: open.callId, imUser: open.imUser, farParty: open.farParty, largeMessageMode: open.largeMessageMode, secure: answered.secure, node: deps.msrp.node(), startedAt: new Date() };
    openedWrite = record(log, 'start', (store) => store.opened(opened), opened.id);
    await openedWrite;
    return { status: 200, reason: 'OK', headers: { ...locals.timer?.headers }, contentType: 'application/sdp', body: answered.sdp, toTag };
  };

  /** Record writes not awaited by their caller (a session's end): stop() waits for them before the ledger closes. */
  const unsettled = new Set<Promise<void>>();
  function track(write: Promise<void>): void {
    unsettled.add(write);
    void write.finally(() => unsettled.delete(write));
  }

  /**
   * Writes to the session record. A failure is logged, never fatal: the record serves the
   * API, dashboard and archive, and a message is durable (and answered) without it.
   */
  async function record(log: Logger, what: string, write: (store: MsrpSessionStore, sessionId: string) => Promise<void>, sessionId: string): Promise<void> {
    if (deps.records === undefined) return;
    try {
      await write(deps.records, sessionId);
    } catch (err) {
      log.warn({ err, sessionId }, `session record (${what}) not written`);
    }
  }

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
    const stored = outcome.messageId;
    // Linked before the MSRP 200, so a message its sender saw accepted shows its session.
    if (outcome.reply.status < 300 && stored !== undefined) await record(log, 'message', (store, id) => store.linkMessage(id, stored), session.msrp.id);
    const imdnId = imdnMessageIdOf(message);
    if (outcome.reply.status < 300 && imdnId !== undefined) registry.rememberImdnId(session, imdnId);
    log.debug({ msgId: outcome.messageId, status: outcome.reply.status, msrpMessageId: message.messageId }, 'session message handled');
    return verdictOf(outcome.reply);
  }

  const INVITE_PIPELINE: readonly Step[] = [checkPeer, checkSdp, checkTimer, route, answer];

  async function invite(request: SipIncomingRequest): Promise<SipReply> {
    const locals: Locals = {};
    try {
      for (const step of INVITE_PIPELINE) {
        const final = await step(request, locals);
        if (final !== undefined) return final;
      }
      throw heraldError('GW_ERR_GATEWAY_INTERNAL', 'INVITE pipeline ended without a reply');
    } catch (err) {
      return refusal(err, request);
    }
  }

  function refusal(err: unknown, request: SipIncomingRequest): SipReply {
    const error = toHeraldError(err);
    if (error.sipStatus >= 500) deps.log.error({ err, callId: request.callId }, `${request.method} failed`);
    else deps.log.info({ code: error.code, detail: error.detail, callId: request.callId }, `${request.method} refused`);
    return errorReply(error, host);
  }

  /** RFC 3261 §12.2.2: the request belongs to the dialog only when Call-ID and both tags match. */
  function dialogOf(request: SipIncomingRequest): OpenSession | undefined {
    const session = registry.byCallId(request.callId);
    if (session === undefined || request.to.tag !== session.tags.local || request.from.tag !== session.tags.remote) return undefined;
    return session;
  }

  async function bye(request: SipIncomingRequest): Promise<SipReply> {
    const session = dialogOf(request);
    if (session === undefined) return reply(481, 'Call/Transaction Does Not Exist');
    await session.msrp.close('BYE');
    return reply(200, 'OK');
  }

  /**
   * A re-INVITE or UPDATE in the dialog: a session refresh (RFC 4028 §7.4, §9). Herald's
   * media never changes, so it answers with the SDP it gave before (an UPDATE without a
   * body gets none) and restarts the expiry with the newly agreed interval.
   */
  function refresh(request: SipIncomingRequest): SipReply {
    const session = dialogOf(request);
    if (session === undefined) return reply(481, 'Call/Transaction Does Not Exist');
    // Like BYE, a refresh is admitted by the dialog it names (Call-ID and both random tags),
    // not challenged again: the INVITE that made the dialog was.
    const negotiated = negotiateSessionTimer(request, timerSettings);
    if (!negotiated.ok) return negotiated.reply;
    armExpiry(session, negotiated.terms, deps.log.child({ callId: request.callId }));
    const withSdp = request.method === 'INVITE' || request.body.length > 0;
    return {
      status: 200,
      reason: 'OK',
      headers: { ...negotiated.headers },
      ...(withSdp ? { contentType: 'application/sdp', body: session.answerSdp } : {}),
    };
  }

  return {
    handle(request: SipIncomingRequest): Promise<SipReply> {
      const inDialog = request.method === 'UPDATE' || (request.method === 'INVITE' && request.to.tag !== undefined);
      if (inDialog) return Promise.resolve(refresh(request));
      if (request.method === 'INVITE') return invite(request);
      if (request.method === 'BYE') return bye(request);
      return Promise.resolve(errorReply(heraldError('GW_ERR_SIP_METHOD', request.method), host));
    },
    async start(): Promise<void> {
      if (deps.records === undefined) return;
      const node = deps.msrp.node();
      try {
        const ended = await deps.records.endOrphans(node, new Date(), LOST_WITH_PROCESS);
        if (ended > 0) deps.log.info({ node, ended }, 'sessions of the previous process ended in the record');
      } catch (err) {
        deps.log.warn({ err, node }, 'sessions of the previous process not ended in the record');
      }
    },
    async stop(): Promise<void> {
      for (const timer of expiries.values()) clearTimeout(timer);
      expiries.clear();
      for (const session of registry.all()) await session.msrp.close('shutdown');
      // Each session's end reaches the record before the ledger closes.
      await Promise.allSettled([...unsettled]);
    },
  };
}
