/**
 * A minimal SMTP relay that does not offer STARTTLS (a Postfix with TLS off answers the
 * command 502), for the tests of what Herald does when `smtp.starttls` is `required`.
 * It never takes a mail: only EHLO/HELO, NOOP, RSET and QUIT are answered positively.
 */
import net from 'node:net';

export interface RelayWithoutStarttls {
  readonly port: number;
  /** Connections opened to it so far. */
  readonly connections: number;
  /** STARTTLS commands it refused so far. */
  readonly starttlsRefused: number;
  close(): Promise<void>;
}

export async function startRelayWithoutStarttls(): Promise<RelayWithoutStarttls> {
  let connections = 0;
  let starttlsRefused = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => socket.destroy());
    socket.write('220 relay.test ESMTP\r\n');
    let buffered = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf('\r\n');
      while (end >= 0) {
        const verb = buffered.slice(0, end).split(' ')[0]?.toUpperCase() ?? '';
        buffered = buffered.slice(end + 2);
        if (verb === 'EHLO') socket.write('250-relay.test\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n');
        else if (verb === 'HELO' || verb === 'NOOP' || verb === 'RSET') socket.write('250 ok\r\n');
        else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else if (verb === 'STARTTLS') {
          starttlsRefused += 1;
          socket.write('502 5.5.1 Error: command not implemented\r\n');
        } else socket.write('502 5.5.2 Error: command not recognized\r\n');
        end = buffered.indexOf('\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    get starttlsRefused() {
      return starttlsRefused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
