import dgram from 'node:dgram';
import net from 'node:net';

const ATTEMPTS = 20;

/**
 * Finds a port free for both UDP and TCP on `host`. The `sip` package treats port 0 as
 * "5060" (`options.port || 5060`), so `sip.port: 0` (pick any) is resolved here first.
 * Another process may take the port before the stack binds it; start() then fails with
 * the bind error rather than silently listening elsewhere.
 */
export async function findFreeSipPort(host: string): Promise<number> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpFree) return port;
  }
  throw new Error(`no port free for both UDP and TCP on ${host} after ${ATTEMPTS} attempts`);
}
