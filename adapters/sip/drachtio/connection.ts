import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { sipEdgeError } from '../shared/edge-error.js';
import type { SipConfig } from '../shared/sip-config.js';
import type { Srf } from '../types/drachtio-srf.js';

/** Reconnect backoff cap: srf grows the delay by 1.7× from 150 ms without a limit otherwise. */
const RETRY_MAX_DELAY_MS = 10_000;

/**
 * How long start() waits for the first connection in inbound mode. Past it the edge keeps
 * reconnecting in the background and isReady() stays false, so a gateway started before
 * drachtio-server still comes up (and reports not-ready on its health check).
 */
const FIRST_CONNECT_WAIT_MS = 10_000;

export interface DrachtioConnection {
  isUp(): boolean;
  close(): void;
}

interface SrfInternals {
  app?: { client?: { wp?: { closing?: boolean; reconnectVars?: { retryTimer?: NodeJS.Timeout | null } } } };
}

/** Inbound mode: Herald connects to drachtio-server's admin port and keeps reconnecting. */
export function connectInbound(srf: Srf, config: SipConfig['drachtio'], log: Logger): Promise<DrachtioConnection> {
  let up = false;
  let closing = false;
  return new Promise((resolve, reject) => {
    const connection: DrachtioConnection = {
      isUp: () => up,
      close() {
        closing = true;
        // srf has no "stop reconnecting" call: mark its wire as closing and cancel a pending retry.
        const wp = (srf as unknown as SrfInternals).app?.client?.wp;
        if (wp) {
          wp.closing = true;
          if (wp.reconnectVars?.retryTimer) clearTimeout(wp.reconnectVars.retryTimer);
        }
        try {
          if (up) srf.disconnect();
        } catch (err) {
          log.debug({ err }, 'drachtio disconnect');
        }
        up = false;
      },
    };
    const wait = setTimeout(() => {
      log.warn({ host: config.host, port: config.port }, 'drachtio-server not reachable yet; still trying');
      resolve(connection);
    }, FIRST_CONNECT_WAIT_MS);
    srf.on('connect', (err, hostport) => {
      if (err) {
        clearTimeout(wait);
        log.error({ err, host: config.host, port: config.port }, 'drachtio-server refused the secret');
        connection.close();
        reject(sipEdgeError('GW_ERR_SIP_LISTEN_FAILED', `drachtio-server at ${config.host}:${config.port} refused authentication`, { cause: err }));
        return;
      }
      up = true;
      clearTimeout(wait);
      log.info({ hostport }, 'connected to drachtio-server');
      resolve(connection);
    });
    srf.on('close', () => {
      if (up && !closing) log.warn({ host: config.host, port: config.port }, 'lost drachtio-server; reconnecting');
      up = false;
    });
    srf.on('reconnecting', (info) => log.debug({ info }, 'drachtio reconnecting'));
    srf.connect({ host: config.host, port: config.port, secret: config.secret, reconnect: { retryMaxDelay: RETRY_MAX_DELAY_MS } });
  });
}

/** Outbound mode: drachtio-server connects to Herald (one connection per call or per app). */
export function listenOutbound(srf: Srf, config: SipConfig['drachtio'], host: string, log: Logger): Promise<DrachtioConnection> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<Socket>();
    const server: Server = srf.listen({ port: config.port, host, secret: config.secret });
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    srf.on('connect', (err) => {
      if (err) log.warn({ err }, 'drachtio-server connection failed to authenticate');
    });
    server.once('error', (err) => reject(sipEdgeError('GW_ERR_SIP_LISTEN_FAILED', `cannot listen for drachtio-server on ${config.port}`, { cause: err })));
    server.once('listening', () => {
      const address = server.address();
      log.info({ address }, 'listening for drachtio-server');
      resolve({
        isUp: () => server.listening,
        close() {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      });
    });
  });
}
