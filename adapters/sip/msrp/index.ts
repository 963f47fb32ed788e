/**
 * Herald's MSRP endpoint (RFC 4975 over TCP, RFC 6135 connection setup): one listener for
 * every session; a connection is bound to its session by the session id of Herald's URI in
 * the To-Path of its first request (RFC 4975 §5.4). When the offerer only listens
 * (a=setup:passive), Herald connects to it and binds with an empty SEND.
 */
import { randomPoolBytes } from '../../../src/domain/random-pool.js';
import net from 'node:net';
import type { Logger } from 'pino';
import type { MsrpAnswer, MsrpEndpoint, MsrpSessionEvents, MsrpTerms } from '../../../src/ports/msrp-endpoint.port.js';
import { pathUris, msrpHeader, type MsrpFrame } from './codec/frame.js';
import { formatMsrpUri, parseMsrpUri } from './codec/msrp-uri.js';
import { answerSetup, parseMsrpOffer, serializeMsrpAnswer } from './codec/sdp.js';
import { newTransactionId, serializeRequest, serializeResponse } from './codec/serialize-frame.js';
import { MsrpConnection, type ConnectionHandlers } from './msrp-connection.js';
import { msrpError, msrpStatusOf } from './msrp-error.js';
import { MsrpSessionImpl } from './msrp-session.js';

export interface MsrpEndpointOptions {
  readonly host: string;
  /** 0 picks a free port (the SDP answer names the real one). */
  readonly port: number;
  /** Host put in Herald's MSRP URIs and the SDP c= line; unset: host. */
  readonly publicHost?: string | undefined;
  readonly maxChunkBytes: number;
  readonly idleTimeoutMs: number;
  readonly reconnectGraceMs: number;
  readonly transactionTimeoutMs: number;
  /** A new connection must name its session within this long. */
  readonly bindTimeoutMs: number;
  readonly maxSessions: number;
  readonly log: Logger;
}

export function createMsrpEndpoint(options: MsrpEndpointOptions): MsrpEndpoint & { address(): { host: string; port: number } } {
  const log = options.log.child({ component: 'msrp' });
  const sessions = new Map<string, MsrpSessionImpl>();
  let server: net.Server | undefined;
  let port = options.port;

  /** The session Herald's URI in a To-Path names (the last URI: Herald is the destination). */
  function sessionNamed(toPath: string | undefined): { target: string | undefined; session: MsrpSessionImpl | undefined } {
    const target = pathUris(toPath).at(-1);
    try {
      return { target, session: target === undefined ? undefined : sessions.get(parseMsrpUri(target).sessionId) };
    } catch {
      return { target, session: undefined };
    }
  }

  /** Handlers of a connection not yet bound to a session: its first request names one. */
  const unbound: ConnectionHandlers = {
    // A first chunk still arriving binds already, so a drop mid-chunk keeps what came.
    head(partial, connection) {
      const { session } = sessionNamed(msrpHeader(partial, 'To-Path'));
      if (session !== undefined) bind(session, connection);
    },
    frame(frame: MsrpFrame, connection: MsrpConnection) {
      const { target, session } = sessionNamed(msrpHeader(frame, 'To-Path'));
      if (session === undefined || frame.kind === 'response') {
        // RFC 4975 §7.3: a request for a session Herald does not hold gets 481.
        if (frame.kind === 'request') {
          const toPath = pathUris(msrpHeader(frame, 'From-Path')).slice(0, 1);
          void connection.write(serializeResponse({ transactionId: frame.transactionId, status: 481, comment: 'No Such Session', toPath, fromPath: target === undefined ? [] : [target] })).catch(() => undefined);
        }
        connection.close();
        return;
      }
      bind(session, connection);
      session.frame(frame, connection);
    },
    refused(code, connection) {
      log.info({ code, peer: connection.peer }, 'MSRP stream refused');
    },
    closed: () => undefined,
  };

  function bind(session: MsrpSessionImpl, connection: MsrpConnection): void {
    connection.rebind({
      frame: (frame, c) => session.frame(frame, c),
      refused(code, c) {
        log.info({ code, peer: c.peer, sessionId: session.id, status: msrpStatusOf(code) }, 'MSRP stream refused');
      },
      closed: (c, partial) => session.detached(c, partial),
    });
    session.attach(connection);
  }

  function onSocket(socket: net.Socket): void {
    if (sessions.size === 0) {
      // Nothing to bind to: a stranger's connection is closed before it costs anything.
      socket.destroy();
      return;
    }
    const connection = new MsrpConnection(socket, { log, maxChunkBytes: options.maxChunkBytes, idleMs: options.idleTimeoutMs, handlers: unbound });
    const deadline = setTimeout(() => {
      if (!bound(connection)) connection.close();
    }, options.bindTimeoutMs);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
  }

  function bound(connection: MsrpConnection): boolean {
    return [...sessions.values()].some((s) => s.connected && s.ownsConnection(connection));
  }

  async function connectActive(session: MsrpSessionImpl, remotePath: readonly string[], localUri: string): Promise<void> {
    const next = parseMsrpUri(remotePath[0] ?? '');
    const socket = net.connect({ host: next.host, port: next.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const connection = new MsrpConnection(socket, { log, maxChunkBytes: options.maxChunkBytes, idleMs: options.idleTimeoutMs, handlers: unbound });
    bind(session, connection);
    // RFC 4975 §7.1.1 / RFC 6135 §4: the active side binds the connection with a SEND at once.
    await connection.write(serializeRequest({ transactionId: newTransactionId(), method: 'SEND', toPath: remotePath, fromPath: [localUri], headers: [{ name: 'Message-ID', value: newTransactionId() }, { name: 'Byte-Range', value: '1-0/0' }] }));
  }

  return {
    async start() {
      const created = net.createServer((socket) => {
        try {
          onSocket(socket);
        } catch (err) {
          log.error({ err }, 'MSRP connection dropped after an internal error');
          socket.destroy();
        }
      });
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(options.port, options.host, () => {
          created.off('error', reject);
          resolve();
        });
      });
      created.on('error', (err) => log.warn({ err }, 'MSRP listener error'));
      server = created;
      const address = created.address();
      if (address !== null && typeof address === 'object') port = address.port;
      log.info({ host: options.host, port }, 'MSRP listening');
    },

    address() {
      return { host: options.host, port };
    },

    async answer(offerSdp: string, terms: MsrpTerms, events: MsrpSessionEvents): Promise<MsrpAnswer> {
      const offer = parseMsrpOffer(offerSdp);
      if (offer.secure) throw msrpError('GW_ERR_SDP_UNACCEPTABLE', 'msrps (TCP/TLS/MSRP) is not served');
      if (server === undefined) throw msrpError('GW_ERR_SDP_UNACCEPTABLE', 'MSRP endpoint not started');
      if (sessions.size >= options.maxSessions) throw msrpError('GW_ERR_GATEWAY_OVERLOADED', `${options.maxSessions} MSRP sessions open`);
      const remote = offer.path.map((uri) => parseMsrpUri(uri));
      if (remote.some((uri) => uri.transport !== 'tcp')) throw msrpError('GW_ERR_SDP_UNACCEPTABLE', 'MSRP transport other than tcp');
      const id = randomPoolBytes(12).toString('base64url').replace(/[-_]/g, 'x');
      const host = options.publicHost ?? options.host;
      const localUri = formatMsrpUri({ secure: false, host, port, sessionId: id, transport: 'tcp' });
      const session = new MsrpSessionImpl({
        id,
        localUri,
        remotePath: offer.path,
        maxMessageBytes: terms.maxMessageBytes,
        transactionTimeoutMs: options.transactionTimeoutMs,
        reconnectGraceMs: options.reconnectGraceMs,
        log,
        events,
        onEnded: (ended) => sessions.delete(ended),
      });
      sessions.set(id, session);
      const setup = answerSetup(offer.setup);
      if (setup === 'active') {
        connectActive(session, offer.path, localUri).catch((err: unknown) => {
          log.info({ err, sessionId: id }, 'MSRP connection to the offerer failed');
          void session.close('connect failed');
        });
      }
      const sdp = serializeMsrpAnswer(offer, {
        originHost: host,
        sessionVersion: Math.floor(Date.now() / 1000),
        path: [localUri],
        port,
        acceptTypes: terms.acceptTypes,
        acceptWrappedTypes: terms.acceptWrappedTypes,
        maxSize: terms.maxMessageBytes,
        setup,
        secure: false,
      });
      log.debug({ sessionId: id, setup, remote: offer.path }, 'MSRP session offered');
      return { sdp, session };
    },

    async stop() {
      for (const session of [...sessions.values()]) await session.close('shutdown');
      const current = server;
      server = undefined;
      if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
}
