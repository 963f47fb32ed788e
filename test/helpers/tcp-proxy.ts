/**
 * A TCP proxy on loopback that a test controls, to make a real server "unreachable" for a
 * while without stopping it for other test files: `pause()` cuts every open connection
 * and refuses new ones (accepted and reset at once, as a dead port would), `resume()`
 * forwards again.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** Connections accepted and forwarded so far. */
  readonly forwarded: number;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) forwarding to `target`. */
export async function startTcpProxy(target: { readonly host: string; readonly port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let paused = false;
  let forwarded = 0;
  const server = net.createServer((client) => {
    if (paused) {
      client.resetAndDestroy();
      return;
    }
    forwarded += 1;
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  return {
    host: '127.0.0.1',
    port: address.port,
    get forwarded() {
      return forwarded;
    },
    pause() {
      paused = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    resume() {
      paused = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
