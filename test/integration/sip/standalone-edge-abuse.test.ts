/**
 * The standalone edge against a hostile peer (issue 15, finding 9): no 405 to strangers, no
 * retransmitted answers to INVITE (amplification toward a spoofed source), a deadline on a
 * TCP header section, and a cap on TCP connections per source.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../../adapters/sip/standalone/index.js';
import type { DropReason } from '../../../adapters/sip/shared/edge-observer.js';
import { configSchema } from '../../../src/config.js';
import type { SipRequestHandler } from '../../../src/ports/sip-edge.port.js';
import { buildInvite } from '../../helpers/sip-invite.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });

function request(port: number, method: string, branch: string): Buffer {
  return buildInvite({
    method,
    requestUri: `sip:+15551234567@127.0.0.1:${port}`,
    branch: `z9hG4bK-${branch}`,
    from: 'sip:mallory@example.com',
    fromTag: 'm1',
    callId: `${branch}@abuse`,
  });
}

/** Sends `datagram` and collects everything that comes back within `waitMs`. */
function collect(port: number, datagram: Buffer, waitMs: number): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const received: string[] = [];
    socket.on('message', (m) => received.push(m.toString('latin1')));
    socket.bind(0, '127.0.0.1', () => socket.send(datagram, port, '127.0.0.1'));
    setTimeout(() => socket.close(() => resolve(received)), waitMs);
  });
}

describe('standalone SIP edge under abuse', () => {
  let edge: StandaloneSipEdge | undefined;
  let drops: DropReason[] = [];
  let handled = 0;
  const handler: SipRequestHandler = async () => {
    handled++;
    return { status: 403, reason: 'Forbidden' };
  };

  async function start(overrides: Record<string, unknown>): Promise<number> {
    drops = [];
    handled = 0;
    edge = createStandaloneEdge(configSchema.parse({ sip: { port: 0, ...overrides } }).sip, log, { dropped: (r) => drops.push(r) });
    await edge.start(handler);
    return edge.address().port;
  }

  afterEach(async () => {
    await edge?.stop();
    edge = undefined;
  });

  describe('when a peer outside the allowed networks sends INVITE or SUBSCRIBE', () => {
    it.each(['INVITE', 'SUBSCRIBE'])('should drop %s without a 405 and count it', async (method) => {
      const port = await start({ allowedNetworks: ['192.0.2.0/24'] });
      expect(await collect(port, request(port, method, `stranger-${method}`), 400)).toEqual([]);
      expect(drops).toEqual(['peer-refused']);
      expect(handled).toBe(0);
    });
  });

  describe('when an allowed peer sends INVITE', () => {
    it('should answer 405 once, with no retransmission of it', async () => {
      const port = await start({});
      const received = await collect(port, request(port, 'INVITE', 'allowed-invite'), 1_800);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatch(/^SIP\/2\.0 405 Method Not Allowed\r\n[\s\S]*Allow: MESSAGE, OPTIONS\r\n[\s\S]*Warning: 399 /);
    });
  });

  describe('when a TCP client sends its header section too slowly', () => {
    it('should close the connection at the header deadline and count it', async () => {
      const port = await start({ tcpHeaderTimeoutMs: 300 });
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write('MESSAGE sip:a@127.0.0.1 SIP/2.0\r\nVia: '));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(drops).toContain('tcp-header-timeout');
    });
  });

  describe('when one source opens more TCP connections than allowed', () => {
    it('should close the ones over the cap at once and keep the others', async () => {
      const port = await start({ tcpMaxConnectionsPerSource: 3 });
      const sockets = await Promise.all(
        Array.from({ length: 5 }, () => new Promise<net.Socket>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => undefined);
        })),
      );
      await new Promise((r) => setTimeout(r, 300));
      const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open');
      expect(drops.filter((d) => d === 'tcp-connection-cap')).toHaveLength(2);
      expect(open.length).toBeGreaterThanOrEqual(3);
      for (const s of sockets) s.destroy();
    });
  });
});
