/**
 * The standalone SIP edge: kirm's `sip` package (transport and transaction layer) listening
 * on UDP and TCP. It serves the embedded default and the tests; production runs drachtio.
 */
import type { Logger } from 'pino';
import sip from 'sip';
import type { SipMessage, SipRemote, SipStack } from 'sip';
import type { SipConfig } from '../shared/sip-config.js';
import type {
  SipEdge,
  SipFinalResponse,
  SipOutgoingMessage,
  SipRequestHandler,
} from '../../../src/ports/sip-edge.port.js';
import { TRYING_AFTER_MS } from '../shared/constants.js';
import { dispatchRequest } from '../shared/dispatch.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { assertState, type EdgeState } from '../shared/edge-state.js';
import { randomToken } from '../shared/ids.js';
import { captureListeners, whenListening } from './capture-listeners.js';
import { findFreeSipPort } from './free-port.js';
import { fromStackRequest } from './incoming.js';
import { ResponseTap } from './response-tap.js';
import { toStackResponse, tryingResponse } from './reply.js';
import { sendMessage } from './send-message.js';
import { stackHooks } from './wire-trace.js';

export interface StandaloneSipEdge extends SipEdge {
  /** Where the edge listens; `port` is the real one when the config asked for 0. */
  address(): { readonly host: string; readonly port: number };
}

function splitHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  return match ? { host: match[1] ?? value, port: match[2] ? Number(match[2]) : defaultPort } : { host: value, port: defaultPort };
}

/** Adds `;lr` so the stack loose-routes (RFC 3261 §16.12) instead of rewriting the Request-URI. */
function routeFor(proxy: string | undefined): string | undefined {
  if (proxy === undefined) return undefined;
  return /;lr(?:[;=>]|$)/i.test(proxy) ? `<${proxy}>` : `<${proxy};lr>`;
}

/**
 * Creates the standalone edge from the `sip` section of the config (`config.sip`).
 * @throws GW_ERR_SIP_LISTEN_FAILED from start() when a listener cannot bind (port in use).
 * @throws GW_ERR_SIP_SEND_FAILED from send() on a transport failure or when not started.
 */
export function createStandaloneEdge(sipConfig: SipConfig, log: Logger): StandaloneSipEdge {
  const edgeLog = log.child({ component: 'sip-edge', edge: 'standalone' });
  let state: EdgeState = 'idle';
  let stack: SipStack | undefined;
  let port = sipConfig.port;
  const tap = new ResponseTap();

  function answer(request: SipMessage, remote: SipRemote, handler: SipRequestHandler): void {
    if (request.method === 'ACK') return; // ACKs of our 405s to INVITE end there.
    const current = stack;
    if (current === undefined) return;
    const typed = fromStackRequest(request, remote);
    const reqLog = edgeLog.child({ callId: typed.callId });
    const tag = randomToken();
    // A retransmission of this request is absorbed by the server transaction the stack
    // created before calling us, so this runs once per transaction.
    const trying = setTimeout(() => current.send(tryingResponse(request)), TRYING_AFTER_MS);
    void dispatchRequest(handler, typed, reqLog).then((reply) => {
      clearTimeout(trying);
      if (stack !== current) return;
      reqLog.debug({ method: typed.method, status: reply.status }, 'SIP reply');
      current.send(toStackResponse(request, reply, tag));
    });
  }

  return {
    async start(handler: SipRequestHandler): Promise<void> {
      assertState(state, ['idle'], 'start');
      state = 'starting';
      try {
        if (port === 0) port = await findFreeSipPort(sipConfig.host);
        const publicVia = splitHostPort(sipConfig.publicAddress ?? sipConfig.host, port);
        const { result, sockets, servers } = captureListeners(() =>
          sip.create(
            {
              address: sipConfig.host,
              port,
              // Never equal to a URI host: the stack treats a request to its own hostname as
              // an encoded flow token and drops it, which would break sending to a peer on
              // the same address. The real Via host and port are set by the send hook.
              publicAddress: `${publicVia.host}:${publicVia.port}`,
              udp: sipConfig.transports.includes('udp'),
              tcp: sipConfig.transports.includes('tcp'),
              logger: stackHooks(edgeLog, publicVia, (response) => tap.record(response)),
            },
            (request, remote) => answer(request, remote, handler),
          ),
        );
        stack = result;
        const handles = [...sockets, ...servers];
        try {
          await Promise.all(handles.map(whenListening));
        } catch (err) {
          result.destroy();
          stack = undefined;
          throw sipEdgeError('GW_ERR_SIP_LISTEN_FAILED', `SIP edge cannot listen on ${sipConfig.host}:${port}`, { cause: err });
        }
        for (const handle of handles) {
          handle.on('error', (err: Error) => edgeLog.warn({ err }, 'SIP socket error'));
        }
        state = 'ready';
        edgeLog.info({ host: sipConfig.host, port, transports: sipConfig.transports }, 'SIP edge listening');
      } catch (err) {
        state = 'idle';
        throw err;
      }
    },

    send(message: SipOutgoingMessage): Promise<SipFinalResponse> {
      assertState(state, ['ready'], 'send', 'GW_ERR_SIP_SEND_FAILED');
      if (stack === undefined) throw sipEdgeError('GW_ERR_SIP_SEND_FAILED', 'SIP edge not started');
      return sendMessage(message, {
        stack,
        tap,
        log: edgeLog,
        domain: sipConfig.domain,
        route: routeFor(sipConfig.outboundProxy),
        timeoutMs: sipConfig.sendTimeoutMs,
      });
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
      const current = stack;
      stack = undefined;
      current?.destroy();
      state = 'stopped';
      edgeLog.info({}, 'SIP edge stopped');
    },
  };
}
