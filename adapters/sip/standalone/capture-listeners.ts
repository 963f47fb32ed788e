import dgram from 'node:dgram';
import net from 'node:net';

export interface CapturedListeners<T> {
  readonly result: T;
  readonly sockets: readonly dgram.Socket[];
  readonly servers: readonly net.Server[];
}

/**
 * Runs `create` (the `sip` package's `sip.create`) while recording the UDP sockets and TCP
 * servers it opens. The library binds them without an 'error' listener and never hands
 * them out, so a port already in use, or a failed UDP send, would be an uncaught exception
 * that ends the process. With the handles captured, the edge listens for those errors and
 * can tell when both listeners are bound. `create` is synchronous, so no other code runs
 * while the two factory functions are wrapped.
 */
export function captureListeners<T>(create: () => T): CapturedListeners<T> {
  const sockets: dgram.Socket[] = [];
  const servers: net.Server[] = [];
  const originalCreateSocket = dgram.createSocket;
  const originalCreateServer = net.createServer;
  const createSocket = (...args: Parameters<typeof dgram.createSocket>): dgram.Socket => {
    const socket = originalCreateSocket.apply(dgram, args);
    sockets.push(socket);
    return socket;
  };
  const createServer = (...args: Parameters<typeof net.createServer>): net.Server => {
    const server = originalCreateServer.apply(net, args);
    servers.push(server);
    return server;
  };
  dgram.createSocket = createSocket as typeof dgram.createSocket;
  net.createServer = createServer as typeof net.createServer;
  try {
    return { result: create(), sockets, servers };
  } finally {
    dgram.createSocket = originalCreateSocket;
    net.createServer = originalCreateServer;
  }
}

/** Resolves once the socket or server is bound; rejects with its bind error. */
export function whenListening(handle: dgram.Socket | net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      handle.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      handle.off('error', onError);
      resolve();
    };
    handle.once('error', onError);
    handle.once('listening', onListening);
  });
}
