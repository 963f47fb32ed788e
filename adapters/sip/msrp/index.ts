/**
 * Herald's MSRP endpoint (RFC 4975 over TCP, RFC 6135 connection setup): one listener for
 * every session, and a second one over TLS (msrps, RFC 4975 §6 and §14) when a certificate
 * is configured; a connection is bound to its session by the session id of Herald's URI in
 * the To-Path of its first request (RFC 4975 §5.4). When the offerer only listens
 * (a=setup:passive), Herald connects to it and binds with an empty SEND — to the a=path
 * URI, or to the SDP c=/m= address when both sides support CEMA (RFC 6714).
 * Over msrps the answer carries Herald's certificate fingerprint, and an offer's
 * `a=fingerprint` replaces the CA check of the peer's certificate (RFC 4975 §14.2).
 */
import net from 'node:net';
import tls from 'node:tls';
import { randomPoolBytes } from '../../../src/domain/random-pool.js';
import { isHeraldError } from '../../../src/errors.js';
import type { Logger } from 'pino';
import type { MsrpAnswer, MsrpEndpoint, MsrpSessionEvents, MsrpTerms } from '../../../src/ports/msrp-endpoint.port.js';
import { certificateMatches, expectedFingerprints } from './codec/fingerprint.js';
import { pathUris, msrpHeader, type MsrpFrame } from './codec/frame.js';
import { formatMsrpUri, parseMsrpUri } from './codec/msrp-uri.js';
import { answerSetup, connectTarget, parseMsrpOffer, serializeMsrpAnswer, type MsrpOffer } from './codec/sdp.js';
import { newTransactionId, serializeRequest, serializeResponse } from './codec/serialize-frame.js';
import { MsrpConnection, type ConnectionHandlers } from './msrp-connection.js';
import { msrpError, msrpStatusOf } from './msrp-error.js';
import { MsrpSessionImpl } from './msrp-session.js';
import { connectMsrps, loadTlsIdentity, opened, type TlsIdentity } from './msrps.js';

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
  /** msrps: a TLS listener next to the TCP one; unset, offers of TCP/TLS/MSRP get 488. */
  readonly tls?: MsrpTlsOptions | undefined;
  readonly log: Logger;
}

export interface MsrpTlsOptions {
  /** 0 picks a free port (the SDP answer names the real one). */
  readonly port: number;
  /** PEM files of Herald's certificate (chain) and private key, read at start. */
  readonly certFile: string;
  readonly keyFile: string;
  /**
   * When Herald connects (the offerer said a=setup:passive): refuse a peer certificate
   * that does not verify against the system CAs. An offer with `a=fingerprint` is checked
   * against its fingerprint instead, whatever this says (RFC 4975 §14.2).
   * @defaultValue true
   */
  readonly rejectUnauthorized: boolean;
}

export function createMsrpEndpoint(options: MsrpEndpointOptions): MsrpEndpoint & { address(): { host: string; port: number; tlsPort?: number } } {
  const log = options.log.child({ component: 'msrp' });
  const sessions = new Map<string, MsrpSessionImpl>();
  let server: net.Server | undefined;
  let tlsServer: tls.Server | undefined;
  let port = options.port;
  let tlsPort = options.tls?.port ?? 0;
  /** Herald's certificate and key, read at start: served on the msrps listener and presented when Herald connects. */
  let identity: TlsIdentity | undefined;

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
      if (bind(session, connection)) session.frame(frame, connection);
    },
    refused(code, connection) {
      log.info({ code, peer: connection.peer }, 'MSRP stream refused');
    },
    closed: () => undefined,
  };

  /**
   * Binds the connection to its session, unless its transport is not the one the session
   * negotiated or the session's a=fingerprint refuses it (then it is closed).
   */
  function bind(session: MsrpSessionImpl, connection: MsrpConnection): boolean {
    if (connection.secure !== session.secure) {
      // An msrps session is not carried in the clear (nor the reverse): whoever names it on
      // the other listener is closed, and the session keeps waiting for its peer.
      log.info({ code: 'GW_ERR_MSRP_MALFORMED', peer: connection.peer, sessionId: session.id, secure: connection.secure }, 'MSRP connection refused: not on the transport the session negotiated');
      connection.close();
      return false;
    }
    const expected = session.peerFingerprints;
    if (expected !== undefined) {
      const presented = connection.peerCertificate();
      if (presented === undefined || !certificateMatches(presented, expected)) {
        // Only this connection goes: the session still waits (its grace) for the peer its SDP named,
        // so a stranger who learnt the session's URI cannot end it by connecting with another certificate.
        log.info({ code: 'GW_ERR_MSRP_FINGERPRINT', peer: connection.peer, sessionId: session.id, presented: presented !== undefined }, 'msrps connection refused: certificate does not match a=fingerprint');
        connection.close();
        return false;
      }
    }
    connection.rebind({
      frame: (frame, c) => session.frame(frame, c),
      refused(code, c) {
        log.info({ code, peer: c.peer, sessionId: session.id, status: msrpStatusOf(code) }, 'MSRP stream refused');
      },
      closed: (c, partial) => session.detached(c, partial),
    });
    session.attach(connection);
    return true;
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

  async function connectActive(session: MsrpSessionImpl, offer: MsrpOffer, localUri: string): Promise<void> {
    const remotePath = offer.path;
    const next = connectTarget(offer);
    const secure = offer.secure ? options.tls : undefined;
    const { socket, peerCertificate } = secure !== undefined
      ? await connectMsrps(next, { identity, rejectUnauthorized: secure.rejectUnauthorized, expected: session.peerFingerprints, sessionId: session.id })
      : { socket: await opened(net.connect({ host: next.host, port: next.port }), 'connect'), peerCertificate: undefined };
    const connection = new MsrpConnection(socket, { log, maxChunkBytes: options.maxChunkBytes, idleMs: options.idleTimeoutMs, handlers: unbound, peerCertificate });
    bind(session, connection);
    // RFC 4975 §7.1.1 / RFC 6135 §4: the active side binds the connection with a SEND at once.
    await connection.write(serializeRequest({ transactionId: newTransactionId(), method: 'SEND', toPath: remotePath, fromPath: [localUri], headers: [{ name: 'Message-ID', value: newTransactionId() }, { name: 'Byte-Range', value: '1-0/0' }] }));
  }

  function accept(socket: net.Socket): void {
    try {
      onSocket(socket);
    } catch (err) {
      log.error({ err }, 'MSRP connection dropped after an internal error');
      socket.destroy();
    }
  }

  /** Listens and resolves with the port bound (the asked one, or the free one 0 picked). */
  async function listen(created: net.Server, wanted: number, label: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(wanted, options.host, () => {
        created.off('error', reject);
        resolve();
      });
    });
    created.on('error', (err) => log.warn({ err }, `${label} listener error`));
    const address = created.address();
    const bound = address !== null && typeof address === 'object' ? address.port : wanted;
    log.info({ host: options.host, port: bound }, `${label} listening`);
    return bound;
  }

  return {
    async start() {
      const created = net.createServer(accept);
      port = await listen(created, options.port, 'MSRP');
      server = created;
      if (options.tls !== undefined) {
        identity = await loadTlsIdentity(options.tls.certFile, options.tls.keyFile);
        const { cert, key } = identity;
        // requestCert: a peer whose SDP had a=fingerprint must present its certificate, and which session a
        // connection is for is known only from its first frame, after the handshake. So every client is
        // asked; none is refused for having none or a self-signed one (rejectUnauthorized false): the
        // check is at bind time, and only for sessions whose offer had a=fingerprint.
        const secure = tls.createServer({ cert, key, requestCert: true, rejectUnauthorized: false }, accept);
        // A failed handshake (a scanner, a plain-TCP client on the TLS port) costs a debug line, not a warning.
        secure.on('tlsClientError', (err, socket) => {
          log.debug({ err: err.message, peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}` }, 'msrps handshake failed');
          socket.destroy();
        });
        tlsPort = await listen(secure, options.tls.port, 'msrps');
        tlsServer = secure;
      }
    },

    node() {
      return `${options.publicHost ?? options.host}:${port}`;
    },

    address() {
      return { host: options.host, port, ...(tlsServer === undefined ? {} : { tlsPort }) };
    },

    async answer(offerSdp: string, terms: MsrpTerms, events: MsrpSessionEvents): Promise<MsrpAnswer> {
      const offer = parseMsrpOffer(offerSdp);
      if (offer.secure && tlsServer === undefined) throw msrpError('GW_ERR_SDP_UNACCEPTABLE', 'msrps (TCP/TLS/MSRP) is not served: no TLS certificate configured');
      if (server === undefined) throw msrpError('GW_ERR_SDP_UNACCEPTABLE', 'MSRP endpoint not started');
      if (sessions.size >= options.maxSessions) throw msrpError('GW_ERR_GATEWAY_OVERLOADED', `${options.maxSessions} MSRP sessions open`);
      const remote = offer.path.map((uri) => parseMsrpUri(uri));
      // Over TCP a=fingerprint means nothing; over TLS it replaces the CA check (or refuses md5 and the like: 488).
      const peerFingerprints = offer.secure ? expectedFingerprints(offer.fingerprints) : undefined;
      if (remote.some((uri) => uri.transport !== 'tcp')) throw msrpError('GW_ERR_SDP_UNACCEPTABLE', 'MSRP transport other than tcp');
      // RFC 4975 §6: msrps names TLS. The next hop's scheme must agree with the m= line's protocol.
      if (remote[0]?.secure !== offer.secure) throw msrpError('GW_ERR_SDP_UNACCEPTABLE', `${offer.secure ? 'TCP/TLS/MSRP' : 'TCP/MSRP'} with an ${remote[0]?.secure === true ? 'msrps' : 'msrp'} path`);
      const id = randomPoolBytes(12).toString('base64url').replace(/[-_]/g, 'x');
      const host = options.publicHost ?? options.host;
      const listening = offer.secure ? tlsPort : port;
      const localUri = formatMsrpUri({ secure: offer.secure, host, port: listening, sessionId: id, transport: 'tcp' });
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
        peerFingerprints,
        secure: offer.secure,
      });
      sessions.set(id, session);
      const setup = answerSetup(offer.setup);
      if (setup === 'active') {
        connectActive(session, offer, localUri).catch((err: unknown) => {
          const mismatch = isHeraldError(err, 'GW_ERR_MSRP_FINGERPRINT');
          log.info({ err, ...(mismatch ? { code: err.code } : {}), sessionId: id }, 'MSRP connection to the offerer failed');
          void session.close(mismatch ? 'certificate fingerprint mismatch' : 'connect failed');
        });
      }
      const sdp = serializeMsrpAnswer(offer, {
        originHost: host,
        sessionVersion: Math.floor(Date.now() / 1000),
        path: [localUri],
        port: listening,
        acceptTypes: terms.acceptTypes,
        acceptWrappedTypes: terms.acceptWrappedTypes,
        maxSize: terms.maxMessageBytes,
        setup,
        secure: offer.secure,
        // RFC 6714 §4.2: Herald supports CEMA, so it answers the attribute whenever offered.
        cema: offer.cema,
        // RFC 4975 §14.2: how a peer with no CA for Herald's certificate knows it is talking to Herald.
        fingerprint: offer.secure ? identity?.fingerprint : undefined,
      });
      log.debug({ sessionId: id, setup, secure: offer.secure, cema: offer.cema, remote: offer.path }, 'MSRP session offered');
      return { sdp, session, secure: offer.secure };
    },

    async stop() {
      for (const session of [...sessions.values()]) await session.close('shutdown');
      for (const current of [server, tlsServer]) {
        if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
      }
      server = undefined;
      tlsServer = undefined;
      identity = undefined;
    },
  };
}
