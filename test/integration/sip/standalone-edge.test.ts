import dgram from 'node:dgram';
import net from 'node:net';
import { deflateSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../../adapters/sip/standalone/index.js';
import { findFreeSipPort } from '../../../adapters/sip/standalone/free-port.js';
import { configSchema } from '../../../src/config.js';
import { isHeraldError } from '../../../src/errors.js';
import type { SipIncomingRequest, SipReply, SipRequestHandler } from '../../../src/ports/sip-edge.port.js';
import { finalStatusOf, runSipp, type SippRun, type SippTransport } from '../../helpers/sipp.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });

const CPIM = [
  'From: <sip:alice@example.com>',
  'To: <sip:+15551234567@gw.example.com>',
  'DateTime: 2026-11-26T06:14:30Z',
  'NS: imdn <urn:ietf:params:imdn>',
  'imdn.Message-ID: TQ8lhPzudMrn',
  'imdn.Disposition-Notification: positive-delivery, negative-delivery',
  '',
  'Content-Type: text/plain;charset=UTF-8',
  '',
  'Hello from a CPIM-wrapped IM',
].join('\r\n');

function sipConfig(overrides: Record<string, unknown> = {}) {
  return configSchema.parse({ sip: { port: 0, sendTimeoutMs: 1_500, ...overrides } }).sip;
}

function rawMessage(port: number, transport: 'UDP' | 'TCP', body: Buffer, extra: string[] = [], method = 'MESSAGE'): Buffer {
  const head = [
    `${method} sip:+15551234567@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bK-raw-${method}-${body.length}`,
    'From: "Alice \\"A\\"" <sip:alice@example.com>;tag=a1',
    'To: <sip:+15551234567@gw.example.com>',
    `Call-ID: raw-${method}-${body.length}@test`,
    `CSeq: 7 ${method}`,
    'Max-Forwards: 70',
    ...extra,
    `Content-Length: ${body.length}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function udpExchange(port: number, datagrams: Buffer[], waitMs: number): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const received: string[] = [];
    socket.on('message', (msg) => received.push(msg.toString('latin1')));
    socket.bind(0, '127.0.0.1', () => {
      for (const d of datagrams) socket.send(d, port, '127.0.0.1');
      setTimeout(() => socket.close(() => resolve(received)), waitMs);
    });
  });
}

function tcpExchange(port: number, data: Buffer, waitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, waitMs);
  });
}

describe('standalone SIP edge', () => {
  let edge: StandaloneSipEdge | undefined;
  let sipps: SippRun[] = [];
  let seen: SipIncomingRequest[] = [];
  let reply: (request: SipIncomingRequest) => Promise<SipReply>;

  const handler: SipRequestHandler = async (request) => {
    seen.push(request);
    return reply(request);
  };

  async function startEdge(overrides: Record<string, unknown> = {}): Promise<StandaloneSipEdge> {
    edge = createStandaloneEdge(sipConfig(overrides), log);
    await edge.start(handler);
    return edge;
  }

  async function sipp(options: Parameters<typeof runSipp>[0]): Promise<SippRun> {
    const run = await runSipp(options);
    sipps.push(run);
    return run;
  }

  beforeEach(() => {
    seen = [];
    reply = async () => ({ status: 202, reason: 'Accepted' });
  });

  afterEach(async () => {
    for (const run of sipps) run.kill();
    sipps = [];
    await edge?.stop();
    edge = undefined;
  });

  describe.each<SippTransport>(['udp', 'tcp'])('when sipp sends a MESSAGE over %s', (transport) => {
    it('should hand the handler the typed request and put its 202 on the wire', async () => {
      const { port } = (await startEdge()).address();
      const result = await (await sipp({
        scenario: 'uac-message.xml',
        remote: `127.0.0.1:${port}`,
        transport,
        vars: { to: `+15551234567@127.0.0.1:${port}`, ct: 'message/cpim', body: CPIM, expect: '202' },
      })).done;
      expect(finalStatusOf(result)).toBe(202);
      expect(result.exitCode).toBe(0);
      expect(seen).toHaveLength(1);
      const request = seen[0]!;
      expect(request.method).toBe('MESSAGE');
      expect(request.requestUri).toBe(`sip:+15551234567@127.0.0.1:${port}`);
      expect(request.to.uri).toBe(`sip:+15551234567@127.0.0.1:${port}`);
      expect(request.from.uri).toMatch(/^sip:sipp@127\.0\.0\.1:\d+$/);
      expect(request.from.tag).toMatch(/SIPpTag00/);
      expect(request.cseq).toBe(1);
      expect(request.headers['content-type']).toEqual(['message/cpim']);
      expect(request.headers['max-forwards']).toEqual(['70']);
      // sipp ends every scenario line with CRLF, the body's last line included.
      expect(request.body.toString('utf8')).toBe(`${CPIM}\r\n`);
      expect(request.source).toMatchObject({ address: '127.0.0.1', transport });
      expect(result.messages).toMatch(/SIP\/2\.0 202 Accepted[\s\S]*To: <sip:\+15551234567@127\.0\.0\.1:\d+>;tag=\w+/);
    });

    it('should send a 415 with the Accept header the core gave', async () => {
      reply = async () => ({ status: 415, reason: 'Unsupported Media Type', headers: { Accept: 'text/plain, message/cpim' } });
      const { port } = (await startEdge()).address();
      const result = await (await sipp({
        scenario: 'uac-message.xml',
        remote: `127.0.0.1:${port}`,
        transport,
        vars: { to: `bob@127.0.0.1:${port}`, ct: 'application/x-unknown', body: 'x', expect: '415' },
      })).done;
      expect(result.exitCode).toBe(0);
      expect(result.messages).toMatch(/SIP\/2\.0 415 Unsupported Media Type[\s\S]*Accept: text\/plain, message\/cpim/);
    });

    it('should answer OPTIONS through the handler', async () => {
      reply = async () => ({ status: 200, reason: 'OK', headers: { Allow: 'MESSAGE, OPTIONS', Accept: 'message/cpim' } });
      const { port } = (await startEdge()).address();
      const result = await (await sipp({ scenario: 'uac-options.xml', remote: `127.0.0.1:${port}`, transport, vars: { to: `127.0.0.1:${port}` } })).done;
      expect(result.exitCode).toBe(0);
      expect(seen.map((r) => r.method)).toEqual(['OPTIONS']);
    });
  });

  describe('when a body is binary (deflated CPIM)', () => {
    const deflated = deflateSync(Buffer.from(CPIM + '\r\n\r\n\u00e9\u00ff', 'utf8'));

    it('should deliver the exact bytes over UDP and answer with a binary body intact', async () => {
      const replyBody = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x0d, 0x0a, 0xc3]);
      reply = async () => ({ status: 200, reason: 'OK', contentType: 'application/octet-stream', body: replyBody });
      const { port } = (await startEdge()).address();
      const received = await udpExchange(port, [rawMessage(port, 'UDP', deflated, ['Content-Type: message/cpim', 'Content-Encoding: deflate'])], 400);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.body.equals(deflated)).toBe(true);
      expect(seen[0]!.headers['content-encoding']).toEqual(['deflate']);
      expect(seen[0]!.from.displayName).toBe('Alice "A"');
      const response = received[0] ?? '';
      expect(response).toMatch(/^SIP\/2\.0 200 OK\r\n/);
      expect(response).toMatch(/Content-Length: 8\r\n/);
      expect(Buffer.from(response.slice(response.indexOf('\r\n\r\n') + 4), 'latin1').equals(replyBody)).toBe(true);
    });

    it('should deliver the exact bytes over TCP', async () => {
      const { port } = (await startEdge()).address();
      const response = await tcpExchange(port, rawMessage(port, 'TCP', deflated, ['Content-Type: message/cpim', 'Content-Encoding: deflate']), 400);
      expect(response).toMatch(/^SIP\/2\.0 202 Accepted\r\n/);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.body.equals(deflated)).toBe(true);
      expect(seen[0]!.source.transport).toBe('tcp');
    });
  });

  describe('when a request is retransmitted while the handler runs', () => {
    it('should invoke the handler once and answer both copies with the same final response', async () => {
      reply = async () => {
        await new Promise((r) => setTimeout(r, 300));
        return { status: 202, reason: 'Accepted' };
      };
      const { port } = (await startEdge()).address();
      const datagram = rawMessage(port, 'UDP', Buffer.from('hello'), ['Content-Type: text/plain']);
      const socket = dgram.createSocket('udp4');
      const received: string[] = [];
      socket.on('message', (m) => received.push(m.toString('latin1')));
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
      socket.send(datagram, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 100));
      socket.send(datagram, port, '127.0.0.1'); // while the handler is still running
      await new Promise((r) => setTimeout(r, 400));
      socket.send(datagram, port, '127.0.0.1'); // after the final response
      await new Promise((r) => setTimeout(r, 200));
      socket.close();
      expect(seen).toHaveLength(1);
      expect(received.length).toBeGreaterThanOrEqual(2);
      const tags = received.map((m) => /\r\nTo: [^\r]*tag=([^;\r]+)/.exec(m)?.[1]);
      expect(new Set(tags).size).toBe(1);
    });
  });

  describe('when a method other than MESSAGE or OPTIONS arrives', () => {
    it('should answer 405 with Allow without calling the handler', async () => {
      const { port } = (await startEdge()).address();
      const received = await udpExchange(port, [rawMessage(port, 'UDP', Buffer.alloc(0), [], 'SUBSCRIBE')], 300);
      expect(received[0]).toMatch(/^SIP\/2\.0 405 Method Not Allowed\r\n[\s\S]*Allow: MESSAGE, OPTIONS\r\n/);
      expect(seen).toHaveLength(0);
    });
  });

  describe('when the handler throws', () => {
    it('should answer 500 rather than leave the transaction open', async () => {
      reply = async () => {
        throw new Error('boom');
      };
      const { port } = (await startEdge()).address();
      const received = await udpExchange(port, [rawMessage(port, 'UDP', Buffer.from('x'), ['Content-Type: text/plain'])], 300);
      expect(received[0]).toMatch(/^SIP\/2\.0 500 /);
    });
  });

  describe.each<SippTransport>(['udp', 'tcp'])('when send() targets a sipp UAS over %s', (transport) => {
    it.each([
      [200, 'OK'],
      [503, 'Service Unavailable'],
    ])('should resolve the final response %i', async (status, reason) => {
      const uas = await sipp({ scenario: `uas-message-${status}.xml`, transport });
      const uasPort = uas.port;
      await uas.started;
      const e = await startEdge();
      const suffix = transport === 'tcp' ? ';transport=tcp' : '';
      const response = await e.send({
        requestUri: `sip:bob@127.0.0.1:${uasPort}${suffix}`,
        from: { uri: 'sip:herald@localhost', displayName: 'Herald Gateway' },
        to: { uri: `sip:bob@127.0.0.1:${uasPort}` },
        contentType: 'message/cpim',
        body: CPIM,
      });
      expect(response.status).toBe(status);
      expect(response.reason).toBe(reason);
      expect(response.headers['to']?.[0]).toMatch(/tag=\w*SIPpTag02/);
      if (status === 503) expect(response.headers['retry-after']).toEqual(['30']);
      const result = await uas.done;
      expect(result.exitCode).toBe(0);
      expect(result.messages).toMatch(/MESSAGE sip:bob@127\.0\.0\.1:\d+(;transport=tcp)? SIP\/2\.0[\s\S]*From: "Herald Gateway" <sip:herald@localhost>;tag=\w+[\s\S]*Content-Type: message\/cpim[\s\S]*imdn\.Message-ID: TQ8lhPzudMrn/);
    });
  });

  describe('when send() targets a dead port', () => {
    it('should resolve 408 within sendTimeoutMs over UDP', async () => {
      const deadPort = await findFreeSipPort('127.0.0.1');
      const e = await startEdge({ sendTimeoutMs: 800 });
      const started = Date.now();
      const response = await e.send({
        requestUri: `sip:bob@127.0.0.1:${deadPort}`,
        from: { uri: 'sip:herald@localhost' },
        to: { uri: `sip:bob@127.0.0.1:${deadPort}` },
        contentType: 'text/plain',
        body: 'hi',
      });
      expect(response.status).toBe(408);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('should reject with GW_ERR_SIP_SEND_FAILED when TCP is refused', async () => {
      const deadPort = await findFreeSipPort('127.0.0.1');
      const e = await startEdge({ sendTimeoutMs: 2_000 });
      const failure = await e
        .send({
          requestUri: `sip:bob@127.0.0.1:${deadPort};transport=tcp`,
          from: { uri: 'sip:herald@localhost' },
          to: { uri: `sip:bob@127.0.0.1:${deadPort}` },
          contentType: 'text/plain',
          body: 'hi',
        })
        .catch((err: unknown) => err);
      expect(isHeraldError(failure, 'GW_ERR_SIP_SEND_FAILED')).toBe(true);
    });
  });

  describe('when the port is taken', () => {
    it('should reject start() with a coded error instead of crashing', async () => {
      const blocker = dgram.createSocket('udp4');
      const port = await new Promise<number>((r) => blocker.bind(0, '127.0.0.1', () => r(blocker.address().port)));
      try {
        edge = createStandaloneEdge(sipConfig({ port }), log);
        const failure = await edge.start(handler).catch((err: unknown) => err);
        expect(isHeraldError(failure, 'GW_ERR_SIP_LISTEN_FAILED')).toBe(true);
        expect(edge.isReady()).toBe(false);
      } finally {
        blocker.close();
      }
    });
  });
});
