/**
 * The standalone SIP edge: Herald's own parser (../shared/wire-parser.ts), transport and
 * non-INVITE transactions on UDP and TCP. It serves the embedded default and the tests;
 * production may run drachtio. Why Herald carries its own small stack rather than a
 * library's is in the README ("SIP edges"), with the measurements.
 */
import type { Logger } from 'pino';
import { lazyChild } from '../../../src/logger.js';
import type {
  SipEdge,
  SipFinalResponse,
  SipInDialogRequest,
  SipOutgoingMessage,
  SipRequestHandler,
} from '../../../src/ports/sip-edge.port.js';
import { inNetworks, parseNetwork } from '../../../src/ingress/cidr.js';
import { HANDLED_METHODS, SESSION_METHODS, TRYING_AFTER_MS } from '../shared/constants.js';
import { dispatchRequest } from '../shared/dispatch.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { NO_OBSERVER, type SipEdgeObserver } from '../shared/edge-observer.js';
import { assertState, type EdgeState } from '../shared/edge-state.js';
import { randomToken } from '../shared/ids.js';
import { toIncomingRequest } from '../shared/incoming-request.js';
import { edgeRefusal } from '../shared/refusal.js';
import type { SipConfig } from '../shared/sip-config.js';
import { headerValue, headerValues, type ParsedRequest, type WireHeader } from '../shared/wire-parser.js';
import { ClientTransactions } from './client-transactions.js';
import { findFreeSipPort } from './free-port.js';
import { buildResponse } from './response.js';
import { sendInDialog } from './send-in-dialog.js';
import { sendMessage, type SendContext } from './send-message.js';
import { InviteServerTransactions } from './invite-transactions.js';
import { ServerTransactions, transactionKey } from './server-transactions.js';
import { SipSockets, type Inbound, type StreamRefusal } from './transport.js';
import { parseTopVia } from './via.js';

export interface StandaloneSipEdge extends SipEdge {
  /** Where the edge listens; `port` is the real one when the config asked for 0. */
  address(): { readonly host: string; readonly port: number };
}

export interface StandaloneEdgeOptions {
  /**
   * Session mode (`session.enabled`): INVITE and BYE go to the core, INVITEs get server
   * transactions with 2xx retransmission until ACK. Off: INVITE is answered 405 once.
   * @defaultValue false
   */
  readonly sessions?: boolean | undefined;
}

/** An inbound TCP connection with nothing in flight is closed after this long. */
const TCP_IDLE_TIMEOUT_MS = 300_000;

function splitHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  return match ? { host: match[1] ?? value, port: match[2] ? Number(match[2]) : defaultPort } : { host: value, port: defaultPort };
}

/**
 * Creates the standalone edge from the `sip` section of the config (`config.sip`).
 * `observer` is told of every input dropped without an answer.
 * @throws GW_ERR_SIP_LISTEN_FAILED from start() when a listener cannot bind (port in use).
 * @throws GW_ERR_SIP_SEND_FAILED from send() on a transport failure or when not started.
 */
export function createStandaloneEdge(
  sipConfig: SipConfig,
  log: Logger,
  observer: SipEdgeObserver = NO_OBSERVER,
  options: StandaloneEdgeOptions = {},
): StandaloneSipEdge {
  const edgeLog = log.child({ component: 'sip-edge', edge: 'standalone' });
  const sessions = options.sessions === true;
  const handled = sessions ? [...HANDLED_METHODS, ...SESSION_METHODS] : HANDLED_METHODS;
  const invites = new InviteServerTransactions((dialogKey) => {
    observer.dropped('no-ack');
    edgeLog.info({ callId: dialogKey.split('\n')[0] }, 'SIP 2xx to INVITE never acknowledged; the session ends at its idle timeout');
  });
  const networks = sipConfig.allowedNetworks.flatMap((cidr) => parseNetwork(cidr) ?? []);
  const peerAllowed = (address: string): boolean => networks.length === 0 || inNetworks(address, networks);
  const servers = new ServerTransactions();
  const clients = new ClientTransactions();
  let state: EdgeState = 'idle';
  let sockets: SipSockets | undefined;
  let port = sipConfig.port;
  let handler: SipRequestHandler | undefined;

  function refuse(headers: readonly WireHeader[], status: number, detail: string, reply: (bytes: Buffer) => void): void {
    // Without a Via a response cannot be matched by the client (RFC 3261 §8.2.6.2).
    if (headerValues(headers, 'via').length === 0) {
      observer.dropped('unanswerable');
      return;
    }
    const extra: Record<string, string> = status === 413 ? { Warning: `399 ${sipConfig.domain} "max-size=${sipConfig.maxBodyBytes}"` } : {};
    const code = status === 413 ? 'GW_ERR_CONTENT_TOO_LARGE' : 'GW_ERR_SIP_MALFORMED';
    edgeLog.debug({ status, detail }, 'SIP request refused before parsing completed');
    reply(buildResponse(headers, edgeRefusal(status, detail, sipConfig.domain, code, extra), randomToken()));
  }

  function onRequest(head: ParsedRequest, rawBody: Buffer, inbound: Inbound, current: SipRequestHandler): void {
    const { source, reply } = inbound;
    const via = parseTopVia(headerValue(head.headers, 'via'));
    if (via === undefined) return observer.dropped('unanswerable');
    if (head.method === 'ACK') {
      // The ACK of a 2xx stops its retransmission; ACKs of refusals end here too.
      if (!sessions || !invites.ack(dialogKeyOf(head))) observer.dropped('ack');
      return;
    }
    // Strangers learn nothing of what Herald does not serve: peer check before any 405
    // (MESSAGE and OPTIONS get the core's 403 with its reason).
    if (!handled.includes(head.method) && !peerAllowed(source.address)) return observer.dropped('peer-refused');
    if (sessions && head.method === 'CANCEL') {
      // INVITEs are answered at once, so a CANCEL finds them done: 200 to the CANCEL, no
      // effect on the INVITE (RFC 3261 §9.2); 481 when no such INVITE is known.
      const known = invites.has(dialogKeyOf(head));
      reply(buildResponse(head.headers, known ? { status: 200, reason: 'OK' } : { status: 481, reason: 'Call/Transaction Does Not Exist' }, randomToken()));
      return;
    }
    // RFC 3261 §18.3: bytes past Content-Length in a datagram are ignored; fewer is an error
    // the shared validator answers with 400.
    const declared = Number(headerValue(head.headers, 'content-length') ?? Number.NaN);
    const body = Number.isSafeInteger(declared) && declared >= 0 && declared < rawBody.length ? rawBody.subarray(0, declared) : rawBody;
    const typed = toIncomingRequest({ method: head.method, requestUri: head.requestUri, headerBlock: head.headerBlock, headerLines: head.headers, body, source });
    const reqLog = lazyChild(edgeLog, { callId: typed.callId });
    const tag = randomToken();
    const reliable = source.transport !== 'udp';
    if (head.method === 'INVITE' && sessions) {
      onInvite(head, typed, inbound, current, reqLog, tag);
      return;
    }
    if (head.method === 'INVITE') {
      // No INVITE server transaction: the final answer goes out once, never retransmitted
      // (no amplification toward a spoofed source); the client's retransmissions each get one.
      dispatchRequest(current, typed, reqLog, sipConfig.domain)
        .then((final) => reply(buildResponse(head.headers, final, tag)))
        .catch((err: unknown) => {
          observer.dropped('internal-error');
          reqLog.error({ err }, 'SIP reply to INVITE could not be sent');
        });
      return;
    }
    const key = transactionKey(head, via);
    if (servers.absorb(key)) return;
    const tracked = servers.begin(key, reply);
    if (!tracked) observer.dropped('transaction-table-full');
    const trying = setTimeout(() => {
      try {
        servers.provisional(key, buildResponse(head.headers, { status: 100, reason: 'Trying' }, undefined));
      } catch (err) {
        observer.dropped('internal-error');
        reqLog.error({ err }, 'SIP 100 Trying could not be sent');
      }
    }, TRYING_AFTER_MS);
    dispatchRequest(current, typed, reqLog, sipConfig.domain, handled)
      .catch((err: unknown) => {
        reqLog.error({ err }, 'SIP request failed outside the handler');
        return { status: 500, reason: 'Server Internal Error' };
      })
      .then((final) => {
        clearTimeout(trying);
        if (sockets === undefined) return;
        reqLog.debug({ method: typed.method, status: final.status }, 'SIP reply');
        const bytes = buildResponse(head.headers, final, tag);
        if (tracked) servers.final(key, bytes, reliable);
        else reply(bytes);
      })
      .catch((err: unknown) => {
        observer.dropped('internal-error');
        reqLog.error({ err }, 'SIP reply could not be sent');
      });
  }

  /** `Call-ID\nCSeq number`: what an INVITE, its 2xx's ACK and its CANCEL share. */
  function dialogKeyOf(head: ParsedRequest): string {
    const cseq = Number.parseInt(headerValue(head.headers, 'cseq') ?? '', 10);
    return `${headerValue(head.headers, 'call-id') ?? ''}\n${cseq}`;
  }

  /** Where in-dialog requests reach Herald (RFC 3261 §12.1.1: a 2xx to INVITE carries Contact). */
  function contactFor(transport: string): string {
    const at = splitHostPort(sipConfig.publicAddress ?? sipConfig.host, port);
    const host = at.host.includes(':') && !at.host.startsWith('[') ? `[${at.host}]` : at.host;
    return `<sip:${host}:${at.port};transport=${transport}>`;
  }

  function onInvite(head: ParsedRequest, typed: ReturnType<typeof toIncomingRequest>, inbound: Inbound, current: SipRequestHandler, reqLog: Logger, tag: string): void {
    const via = parseTopVia(headerValue(head.headers, 'via'));
    if (via === undefined) return;
    const key = transactionKey(head, via);
    if (invites.absorb(key)) return;
    if (!invites.begin(key, dialogKeyOf(head), inbound.reply)) {
      observer.dropped('transaction-table-full');
      inbound.reply(buildResponse(head.headers, edgeRefusal(503, 'too many INVITEs in progress', sipConfig.domain, 'GW_ERR_GATEWAY_OVERLOADED', { 'Retry-After': '5' }), tag));
      return;
    }
    // RFC 3261 §17.2.1: 100 Trying at once stops the client's INVITE retransmissions.
    invites.provisional(key, buildResponse(head.headers, { status: 100, reason: 'Trying' }, undefined));
    dispatchRequest(current, typed, reqLog, sipConfig.domain, handled)
      .then((final) => {
        if (sockets === undefined) return;
        const ok = final.status >= 200 && final.status < 300;
        const hasContact = Object.keys(final.headers ?? {}).some((name) => name.toLowerCase() === 'contact');
        const withContact = ok && !hasContact ? { ...final, headers: { ...final.headers, Contact: contactFor(inbound.source.transport) } } : final;
        reqLog.debug({ method: 'INVITE', status: final.status }, 'SIP reply');
        invites.final(key, buildResponse(head.headers, withContact, final.toTag ?? tag), final.status);
      })
      .catch((err: unknown) => {
        observer.dropped('internal-error');
        reqLog.error({ err }, 'SIP reply to INVITE could not be sent');
      });
  }

  function sendContext(operation: string): SendContext {
    assertState(state, ['ready'], operation, 'GW_ERR_SIP_SEND_FAILED');
    if (sockets === undefined) throw sipEdgeError('GW_ERR_SIP_SEND_FAILED', 'SIP edge not started');
    return {
      sockets,
      transactions: clients,
      log: edgeLog,
      domain: sipConfig.domain,
      via: splitHostPort(sipConfig.publicAddress ?? sipConfig.host, port),
      outboundProxy: sipConfig.outboundProxy,
      timeoutMs: sipConfig.sendTimeoutMs,
    };
  }

  function onInbound(inbound: Inbound): void {
    const current = handler;
    if (current === undefined) return;
    const { head } = inbound;
    if (head.kind === 'invalid') {
      if (!head.isRequest) return observer.dropped('unanswerable');
      return refuse(head.headers, head.status, head.detail, inbound.reply);
    }
    if (head.kind === 'response') {
      if (!clients.receive({ head, body: inbound.body })) observer.dropped('stray-response');
      return;
    }
    onRequest(head, inbound.body, inbound, current);
  }

  function onRefusal(refusal: StreamRefusal): void {
    refuse(refusal.headers, refusal.status, refusal.detail, refusal.reply);
  }

  return {
    async start(requestHandler: SipRequestHandler): Promise<void> {
      assertState(state, ['idle'], 'start');
      state = 'starting';
      try {
        if (port === 0) port = await findFreeSipPort(sipConfig.host);
        const created = new SipSockets({
          host: sipConfig.host,
          port,
          udp: sipConfig.transports.includes('udp'),
          tcp: sipConfig.transports.includes('tcp'),
          maxBodyBytes: sipConfig.maxBodyBytes,
          tcpHeaderTimeoutMs: sipConfig.tcpHeaderTimeoutMs,
          tcpMaxConnectionsPerSource: sipConfig.tcpMaxConnectionsPerSource,
          tcpIdleTimeoutMs: TCP_IDLE_TIMEOUT_MS,
          log: edgeLog,
          observer,
          onInbound,
          onRefusal,
        });
        try {
          await created.listen();
        } catch (err) {
          await created.close();
          throw sipEdgeError('GW_ERR_SIP_LISTEN_FAILED', `SIP edge cannot listen on ${sipConfig.host}:${port}`, { cause: err });
        }
        sockets = created;
        handler = requestHandler;
        state = 'ready';
        edgeLog.info({ host: sipConfig.host, port, transports: sipConfig.transports }, 'SIP edge listening');
      } catch (err) {
        state = 'idle';
        throw err;
      }
    },

    send(message: SipOutgoingMessage): Promise<SipFinalResponse> {
      return sendMessage(message, sendContext('send'));
    },

    sendInDialog(request: SipInDialogRequest): Promise<SipFinalResponse> {
      return sendInDialog(request, sendContext('sendInDialog'));
    },

    isReady(): boolean {
      return state === 'ready';
    },

    address() {
      return { host: sipConfig.host, port };
    },

    async stop(): Promise<void> {
      if (state === 'stopped' || state === 'idle') {
        state = 'stopped';
        return;
      }
      state = 'stopping';
      const current = sockets;
      sockets = undefined;
      handler = undefined;
      clients.failAll(sipEdgeError('GW_ERR_SIP_SEND_FAILED', 'SIP edge stopped'));
      servers.clear();
      invites.clear();
      await current?.close();
      state = 'stopped';
      edgeLog.info({}, 'SIP edge stopped');
    },
  };
}
