/**
 * The drachtio SIP edge: drachtio-srf against drachtio-server, Herald's production edge.
 * It gives the core the same typed request and puts the same reply on the wire as the
 * standalone edge; drachtio-server runs the SIP transactions (retransmissions, 100 Trying,
 * To-tags) itself.
 */
import type { Logger } from 'pino';
import type {
  SipEdge,
  SipFinalResponse,
  SipOutgoingMessage,
  SipRequestHandler,
} from '../../../src/ports/sip-edge.port.js';
import { dispatchRequest } from '../shared/dispatch.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { assertState, type EdgeState } from '../shared/edge-state.js';
import { toWireReply } from '../shared/reply-headers.js';
import type { SipConfig } from '../shared/sip-config.js';
import type { Srf, SrfRequest, SrfResponse } from '../types/drachtio-srf.js';
import { useBinarySafeWire } from './binary-wire.js';
import { connectInbound, listenOutbound, type DrachtioConnection } from './connection.js';
import { fromSrfRequest } from './incoming.js';
import { loadSrf } from './load-srf.js';
import { sendMessage } from './send-message.js';

/**
 * Creates the drachtio edge from the `sip` section of the config (`config.sip`); its
 * `drachtio.mode` picks inbound (connect to drachtio-server) or outbound (listen).
 * @throws GW_ERR_SIP_LISTEN_FAILED from start() when drachtio-server refuses the secret or
 *   the outbound listener cannot bind.
 * @throws GW_ERR_SIP_SEND_FAILED from send() when not connected or drachtio-server refuses.
 */
export function createDrachtioEdge(sipConfig: SipConfig, log: Logger): SipEdge {
  const edgeLog = log.child({ component: 'sip-edge', edge: 'drachtio', mode: sipConfig.drachtio.mode });
  let state: EdgeState = 'idle';
  let srf: Srf | undefined;
  let connection: DrachtioConnection | undefined;

  async function answer(handler: SipRequestHandler, req: SrfRequest, res: SrfResponse): Promise<void> {
    const typed = fromSrfRequest(req);
    const reqLog = edgeLog.child({ callId: typed.callId });
    const wire = toWireReply(await dispatchRequest(handler, typed, reqLog));
    reqLog.debug({ method: typed.method, status: wire.status }, 'SIP reply');
    try {
      res.send(wire.status, wire.reason, { headers: { ...wire.headers }, ...(wire.body !== '' ? { body: wire.body } : {}) });
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
        useBinarySafeWire();
        const Srf = loadSrf();
        const instance = new Srf();
        srf = instance;
        const onRequest = (req: SrfRequest, res: SrfResponse): void => void answer(handler, req, res);
        instance.message(onRequest);
        instance.options(onRequest);
        // Without an 'error' listener srf's socket errors are thrown; with one it reconnects.
        instance.on('error', (err) => edgeLog.warn({ err }, 'drachtio connection error'));
        connection =
          sipConfig.drachtio.mode === 'inbound'
            ? await connectInbound(instance, sipConfig.drachtio, edgeLog)
            : await listenOutbound(instance, sipConfig.drachtio, sipConfig.host, edgeLog);
        state = 'ready';
      } catch (err) {
        state = 'idle';
        srf = undefined;
        throw err;
      }
    },

    send(message: SipOutgoingMessage): Promise<SipFinalResponse> {
      assertState(state, ['ready'], 'send', 'GW_ERR_SIP_SEND_FAILED');
      if (srf === undefined || !connection?.isUp()) {
        return Promise.reject(sipEdgeError('GW_ERR_SIP_SEND_FAILED', 'not connected to drachtio-server'));
      }
      return sendMessage(message, {
        srf,
        log: edgeLog,
        domain: sipConfig.domain,
        outboundProxy: sipConfig.outboundProxy,
        timeoutMs: sipConfig.sendTimeoutMs,
      });
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
      srf = undefined;
      state = 'stopped';
    },
  };
}
