import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { sipEdgeError } from '../shared/edge-error.js';
import type { Srf } from '../types/drachtio-srf.js';

/** Reconnect backoff cap: srf grows the delay by 1.7× from 150 ms without a limit otherwise. */
const RETRY_MAX_DELAY_MS = 10_000;

/**
 * How long start() waits for the first connection to drachtio-server's admin port. Past it
 * the edge keeps reconnecting in the background and isReady() stays false, so a gateway
 * started before drachtio-server still comes up (and reports not-ready on its health check).
 */
const FIRST_CONNECT_WAIT_MS = 10_000;

/** Where and how to reach drachtio-server's admin port. */
export interface DrachtioAdmin {
  readonly host: string;
  readonly port: number;
  readonly secret: string;
}

/**
 * A live link to drachtio-server. `sender` is the srf instance outgoing requests go
 * through: srf sends on one of its authenticated sockets and throws when it has none.
 */
export interface DrachtioConnection {
  readonly sender: Srf;
  /** Whether requests can be sent (and, outbound, drachtio-server can reach Herald). */
  isUp(): boolean;
  /** Resolves true once isUp(), false after `timeoutMs` without it. */
  whenUp(timeoutMs: number): Promise<boolean>;
  close(): void;
}

interface SrfInternals {
  app?: { client?: { wp?: { closing?: boolean; reconnectVars?: { retryTimer?: NodeJS.Timeout | null } } } };
}

/**
 * Herald connects to drachtio-server's admin port (inbound mode, and the sending side of
 * outbound mode) and keeps reconnecting with backoff. Rejects only when drachtio-server
 * refuses the secret: retrying a wrong secret would never succeed.
 */
export function connectInbound(srf: Srf, admin: DrachtioAdmin, log: Logger): Promise<DrachtioConnection> {
  let up = false;
  let closing = false;
  let waiters: Array<(up: boolean) => void> = [];
  const settleWaiters = (value: boolean): void => {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve(value);
  };
  return new Promise((resolve, reject) => {
    const connection: DrachtioConnection = {
      sender: srf,
      isUp: () => up,
      whenUp(timeoutMs: number): Promise<boolean> {
        if (up) return Promise.resolve(true);
        if (closing || timeoutMs <= 0) return Promise.resolve(false);
        return new Promise((done) => {
          const timer = setTimeout(() => {
            waiters = waiters.filter((w) => w !== settle);
            done(false);
          }, timeoutMs);
          const settle = (value: boolean): void => {
            clearTimeout(timer);
            done(value);
          };
          waiters.push(settle);
        });
      },
      close() {
        closing = true;
        settleWaiters(false);
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
      log.warn({ host: admin.host, port: admin.port }, 'drachtio-server not reachable yet; still trying');
      resolve(connection);
    }, FIRST_CONNECT_WAIT_MS);
    srf.on('connect', (err, hostport) => {
      if (err) {
        clearTimeout(wait);
        log.error({ err, host: admin.host, port: admin.port }, 'drachtio-server refused the secret');
        connection.close();
        reject(sipEdgeError('GW_ERR_SIP_LISTEN_FAILED', `drachtio-server at ${admin.host}:${admin.port} refused authentication`, { cause: err }));
        return;
      }
      up = true;
      clearTimeout(wait);
      log.info({ hostport }, 'connected to drachtio-server');
      settleWaiters(true);
      resolve(connection);
    });
    srf.on('close', () => {
      if (up && !closing) log.warn({ host: admin.host, port: admin.port }, 'lost drachtio-server; reconnecting');
      up = false;
    });
    srf.on('reconnecting', (info) => log.debug({ info }, 'drachtio reconnecting'));
    srf.connect({ host: admin.host, port: admin.port, secret: admin.secret, reconnect: { retryMaxDelay: RETRY_MAX_DELAY_MS } });
  });
}

/**
 * Outbound mode: drachtio-server connects to `listener` when a request arrives for Herald
 * (and only then), so a gateway that has just started, or whose drachtio-server has just
 * restarted, has no socket to send on until some SIP request comes in. Herald's own
 * MESSAGEs (SMS→IM, IMDNs) therefore go through `sender`, kept connected to the admin port
 * like inbound mode but routing no methods (drachtio-server never offers it requests).
 * Up only when both the listener listens and the sending connection is authenticated.
 */
export async function listenOutbound(
  listener: Srf,
  sender: Srf,
  listen: { readonly host: string; readonly port: number; readonly secret: string },
  admin: DrachtioAdmin,
  log: Logger,
): Promise<DrachtioConnection> {
  const sockets = new Set<Socket>();
  const server: Server = await new Promise((resolve, reject) => {
    const srv: Server = listener.listen({ port: listen.port, host: listen.host, secret: listen.secret });
    srv.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    srv.once('error', (err) => reject(sipEdgeError('GW_ERR_SIP_LISTEN_FAILED', `cannot listen for drachtio-server on ${listen.port}`, { cause: err })));
    srv.once('listening', () => {
      log.info({ address: srv.address() }, 'listening for drachtio-server');
      resolve(srv);
    });
  });
  listener.on('connect', (err) => {
    if (err) log.warn({ err }, 'drachtio-server connection failed to authenticate');
  });
  const closeListener = (): void => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  let sending: DrachtioConnection;
  try {
    sending = await connectInbound(sender, admin, log.child({ role: 'sender' }));
  } catch (err) {
    closeListener();
    throw err;
  }
  return {
    sender,
    isUp: () => server.listening && sending.isUp(),
    whenUp: (timeoutMs) => (server.listening ? sending.whenUp(timeoutMs) : Promise.resolve(false)),
    close() {
      sending.close();
      closeListener();
    },
  };
}
