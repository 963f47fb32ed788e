/**
 * The drachtio SIP edge: drachtio-srf against drachtio-server, Herald's production edge.
 * It gives the core the same typed request and puts the same reply on the wire as the
 * standalone edge; drachtio-server runs the SIP transactions (retransmissions, 100 Trying,
 * To-tags) itself. In session mode INVITE, UPDATE and BYE go to the core too, and the
 * dialogs drachtio-server makes of the 200s are tracked in ./dialogs.ts.
 */
import type { Logger } from 'pino';
import type {
  SipEdge,
  SipFinalResponse,
  SipInDialogRequest,
  SipIncomingRequest,
  SipOutgoingMessage,
  SipReply,
  SipRequestHandler,
} from '../../../src/ports/sip-edge.port.js';
import { inNetworks, parseNetwork } from '../../../src/ingress/cidr.js';
import { HANDLED_METHODS, SESSION_METHODS } from '../shared/constants.js';
import { dispatchRequest } from '../shared/dispatch.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { assertState, type EdgeState } from '../shared/edge-state.js';
import { parseNameAddr } from '../shared/name-addr.js';
import { edgeRefusal } from '../shared/refusal.js';
import { toWireReply } from '../shared/reply-headers.js';
import type { SipConfig } from '../shared/sip-config.js';
import type { Srf, SrfRequest, SrfResponse, SrfSipMessage } from '../types/drachtio-srf.js';
import { useBinarySafeWire } from './binary-wire.js';
import { connectInbound, listenOutbound, type DrachtioConnection } from './connection.js';
import { DrachtioDialogs } from './dialogs.js';
import { fromSrfRequest } from './incoming.js';
import { DRACHTIO_BODY_BYTES_THAT_FIT, DRACHTIO_MAX_MESSAGE_BYTES, hasRefusedByte } from './limits.js';
import { loadSrf } from './load-srf.js';
import { routeMethods } from './routes.js';
import { sendInDialog } from './send-in-dialog.js';
import { sendMessage } from './send-message.js';

/**
 * How long send() waits for drachtio-server to be (re)connected before failing the attempt
 * (the queue retries it): a restart of drachtio-server takes a few backoff steps to notice.
 */
const SEND_CONNECT_WAIT_MS = 5_000;

export interface DrachtioEdgeOptions {
  /**
   * Session mode (`session.enabled`): INVITE, UPDATE and BYE go to the core; the 200 to an
   * INVITE makes a dialog drachtio-server keeps. Off: INVITE is answered 405.
   * @defaultValue false
   */
  readonly sessions?: boolean | undefined;
}

/**
 * Creates the drachtio edge from the `sip` section of the config (`config.sip`); its
 * `drachtio.mode` picks inbound (connect to drachtio-server) or outbound (listen on
 * `sip.host:drachtio.port`, and send through a connection to `drachtio.host:adminPort`).
 * @throws GW_ERR_SIP_LISTEN_FAILED from start() when no secret is configured,
 *   drachtio-server refuses the secret or the outbound listener cannot bind.
 * @throws GW_ERR_SIP_SEND_FAILED from send() when not connected or drachtio-server refuses.
 */
export function createDrachtioEdge(sipConfig: SipConfig, log: Logger, options: DrachtioEdgeOptions = {}): SipEdge {
  const edgeLog = log.child({ component: 'sip-edge', edge: 'drachtio', mode: sipConfig.drachtio.mode });
  const sessions = options.sessions === true;
  const handled = sessions ? [...HANDLED_METHODS, ...SESSION_METHODS] : HANDLED_METHODS;
  const dialogs = new DrachtioDialogs();
  let state: EdgeState = 'idle';
  let connection: DrachtioConnection | undefined;
  let requests: Srf | undefined;
  const networks = sipConfig.allowedNetworks.flatMap((cidr) => parseNetwork(cidr) ?? []);
  const peerAllowed = (address: string): boolean => networks.length === 0 || inNetworks(address, networks);

  /**
   * The request as the core sees it: inside a session dialog, the To tag drachtio-server
   * chose is replaced by the core's (dialogs.ts says why).
   */
  function typedRequest(req: SrfRequest): SipIncomingRequest {
    const typed = fromSrfRequest(req);
    if (!sessions) return typed;
    const dialog = dialogs.byCallId(typed.callId);
    if (req.source === 'application' && typed.method === 'BYE' && dialog !== undefined) {
      // drachtio-server ended the dialog itself and reports the BYE it sent (its From is
      // Herald's side): to the core it is the dialog's end, in the dialog's own terms.
      dialogs.remove(typed.callId);
      return { ...typed, from: { ...typed.to, tag: dialog.remoteTag }, to: { ...typed.from, tag: dialog.coreTag } };
    }
    if (typed.to.tag === undefined) return typed;
    return { ...typed, to: { ...typed.to, tag: dialogs.coreTagFor(typed.callId, typed.to.tag) } };
  }

  /** After the answer went out: a 2xx to a new INVITE made a dialog; a 2xx to BYE ended one. */
  function track(req: SrfRequest, res: SrfResponse, typed: SipIncomingRequest, reply: SipReply, sent: SrfSipMessage | undefined): void {
    if (!sessions || reply.status < 200 || reply.status >= 300) return;
    if (typed.method === 'BYE') dialogs.remove(typed.callId);
    if (typed.method !== 'INVITE' || typed.to.tag !== undefined || res.stackDialogId === undefined) return;
    const wireTag = parseNameAddr(sent?.get('to') ?? '').tag;
    dialogs.add({ callId: typed.callId, dialogId: res.stackDialogId, wireTag, coreTag: reply.toTag ?? wireTag, remoteTag: typed.from.tag, socket: req.socket });
  }

  async function answer(handler: SipRequestHandler, req: SrfRequest, res: SrfResponse): Promise<void> {
    const typed = typedRequest(req);
    const reqLog = edgeLog.child({ callId: typed.callId });
    // Peer check before any 405, as on the standalone edge: a stranger learns nothing of
    // what Herald serves. drachtio-server owns the transaction and cannot be left without a
    // final answer, so a stranger gets the 403 its MESSAGE would get instead of silence.
    const stranger = !handled.includes(typed.method) && !peerAllowed(typed.source.address);
    const reply = stranger
      ? edgeRefusal(403, 'peer not allowed', sipConfig.domain, 'GW_ERR_SIP_FORBIDDEN')
      : await dispatchRequest(handler, typed, reqLog, sipConfig.domain, handled);
    const wire = toWireReply(reply);
    reqLog.debug({ method: typed.method, status: wire.status }, 'SIP reply');
    try {
      res.send(wire.status, wire.reason, { headers: { ...wire.headers }, ...(wire.body !== '' ? { body: wire.body } : {}) }, (err, sent) => {
        if (err) reqLog.info({ err, status: wire.status }, 'drachtio-server did not send the reply');
        else track(req, res, typed, reply, sent);
      });
    } catch (err) {
      // srf refuses status codes missing from its table; answer something it knows.
      reqLog.error({ err, status: wire.status }, 'srf refused the reply; sending 500');
      res.send(500, 'Server Internal Error', {});
    }
  }

  return {
    async start(handler: SipRequestHandler): Promise<void> {
      assertState(state, ['idle'], 'start');
      state = 'starting';
      try {
        const { mode, host, port, adminPort, secret } = sipConfig.drachtio;
        if (secret === undefined) throw sipEdgeError('GW_ERR_SIP_LISTEN_FAILED', 'the drachtio edge needs sip.drachtio.secret');
        useBinarySafeWire();
        const SrfClass = loadSrf();
        const newSrf = (role: string): Srf => {
          const instance = new SrfClass();
          // Without an 'error' listener srf's socket errors are thrown; with one it reconnects.
          instance.on('error', (err) => edgeLog.warn({ err, role }, 'drachtio connection error'));
          return instance;
        };
        const instance = newSrf('requests');
        routeMethods(instance, (req: SrfRequest, res: SrfResponse): void => void answer(handler, req, res), sessions);
        requests = instance;
        if (sipConfig.maxBodyBytes > DRACHTIO_BODY_BYTES_THAT_FIT) {
          // Larger requests get drachtio-server's own 400 before Herald could answer 413.
          edgeLog.warn(
            { maxBodyBytes: sipConfig.maxBodyBytes, drachtioLimitBytes: DRACHTIO_MAX_MESSAGE_BYTES, fits: DRACHTIO_BODY_BYTES_THAT_FIT },
            `drachtio-server answers requests over 8 KB (and bodies with a NUL byte) 400 itself, before Herald sees them: set sip.maxBodyBytes to ${DRACHTIO_BODY_BYTES_THAT_FIT} or less so OPTIONS advertises what fits`,
          );
        }
        connection =
          mode === 'inbound'
            ? await connectInbound(instance, { host, port, secret }, edgeLog)
            : await listenOutbound(instance, newSrf('sender'), { host: sipConfig.host, port, secret }, { host, port: adminPort, secret }, edgeLog);
        state = 'ready';
      } catch (err) {
        state = 'idle';
        throw err;
      }
    },

    async send(message: SipOutgoingMessage): Promise<SipFinalResponse> {
      assertState(state, ['ready'], 'send', 'GW_ERR_SIP_SEND_FAILED');
      const link = connection;
      if (link === undefined || !(await link.whenUp(Math.min(SEND_CONNECT_WAIT_MS, sipConfig.sendTimeoutMs)))) {
        throw sipEdgeError('GW_ERR_SIP_SEND_FAILED', 'not connected to drachtio-server');
      }
      if (hasRefusedByte(message.body)) {
        // Answered here, like a timeout's 408: drachtio-server would deliver the body cut
        // at the NUL, and a 4xx fails the delivery at once instead of retrying for an hour.
        edgeLog.warn({ requestUri: message.requestUri }, 'MESSAGE body holds a NUL byte, which drachtio-server cannot carry; not sent');
        return { status: 488, reason: 'Not Acceptable Here: drachtio-server cannot carry a NUL byte in a body', headers: {} };
      }
      return sendMessage(message, {
        srf: link.sender,
        log: edgeLog,
        domain: sipConfig.domain,
        outboundProxy: sipConfig.outboundProxy,
        timeoutMs: sipConfig.sendTimeoutMs,
      });
    },

    sendInDialog(request: SipInDialogRequest): Promise<SipFinalResponse> {
      assertState(state, ['ready'], 'sendInDialog', 'GW_ERR_SIP_SEND_FAILED');
      if (requests === undefined) throw sipEdgeError('GW_ERR_SIP_SEND_FAILED', 'not connected to drachtio-server');
      return sendInDialog(request, { srf: requests, dialogs, log: edgeLog, timeoutMs: sipConfig.sendTimeoutMs });
    },

    isReady(): boolean {
      return state === 'ready' && connection?.isUp() === true;
    },

    async stop(): Promise<void> {
      if (state === 'ready') {
        state = 'stopping';
        connection?.close();
        edgeLog.info({}, 'SIP edge stopped');
      }
      connection = undefined;
      requests = undefined;
      dialogs.clear();
      state = 'stopped';
    },
  };
}
