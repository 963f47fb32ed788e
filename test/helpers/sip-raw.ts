/**
 * Byte-exact SIP over real sockets for tests whose inputs no SIP tool would send (RFC 4475
 * torture messages, fuzzed datagrams): send bytes, wait for the first final response.
 */
import dgram from 'node:dgram';
import net from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly reason: string;
  readonly text: string;
}

function firstFinal(text: string): RawAnswer | undefined {
  for (const match of text.matchAll(/SIP\/2\.0 (\d{3}) ([^\r\n]*)\r\n/g)) {
    const status = Number(match[1]);
    if (status >= 200) return { status, reason: match[2] ?? '', text: text.slice(match.index ?? 0) };
  }
  return undefined;
}

/** Sends one datagram and resolves with the first final response, or undefined after `waitMs`. */
export function udpAsk(port: number, datagram: Buffer, waitMs = 1_500): Promise<RawAnswer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const done = (answer: RawAnswer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), waitMs);
    socket.on('message', (msg) => {
      const answer = firstFinal(msg.toString('latin1'));
      if (answer !== undefined) done(answer);
    });
    socket.on('error', () => undefined);
    socket.bind(0, '127.0.0.1', () => socket.send(datagram, port, '127.0.0.1'));
  });
}

/**
 * Writes `bytes` on a new TCP connection and resolves with the first final response, or
 * undefined when the connection closes or `waitMs` passes without one.
 */
export function tcpAsk(port: number, bytes: Buffer, waitMs = 1_500): Promise<RawAnswer | undefined> {
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const done = (answer: RawAnswer | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(firstFinal(received)), waitMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const answer = firstFinal(received);
      if (answer !== undefined) done(answer);
    });
    socket.on('error', () => done(firstFinal(received)));
    socket.on('close', () => done(firstFinal(received)));
  });
}

/** Fills a message template: `\n` → CRLF, `{transport}` and `{id}` substituted, Content-Length counted when `{len}`. */
export function wire(template: string, transport: 'UDP' | 'TCP', id: string): Buffer {
  const text = template.replace(/\{transport\}/g, transport).replace(/\{id\}/g, id).replace(/\r?\n/g, '\r\n');
  const end = text.indexOf('\r\n\r\n');
  const body = end === -1 ? '' : text.slice(end + 4);
  return Buffer.from(text.replace(/\{len\}/g, String(Buffer.byteLength(body, 'latin1'))), 'latin1');
}
