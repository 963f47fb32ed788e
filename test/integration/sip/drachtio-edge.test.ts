import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDrachtioEdge } from '../../../adapters/sip/drachtio/index.js';
import { findFreeSipPort } from '../../../adapters/sip/standalone/free-port.js';
import { configSchema } from '../../../src/config.js';
import { isHeraldError } from '../../../src/errors.js';
import type { SipEdge, SipIncomingRequest, SipReply } from '../../../src/ports/sip-edge.port.js';
import { DrachtioServerDouble } from '../../helpers/drachtio-server-double.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });
const SECRET = 'test-secret';

function sipConfig(drachtio: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return configSchema.parse({ sip: { edge: 'drachtio', sendTimeoutMs: 1_500, drachtio: { secret: SECRET, ...drachtio }, ...overrides } }).sip;
}

function rawMessage(body: Buffer, extra: string[] = []): Buffer {
  const head = [
    'MESSAGE sip:+15551234567@gw.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK-d1',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    'To: <sip:+15551234567@gw.example.com>',
    'Call-ID: drachtio-1@test',
    'CSeq: 3 MESSAGE',
    'Max-Forwards: 70',
    'Supported: a',
    'Supported: b',
    ...extra,
    `Content-Length: ${body.length}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function bodyOf(raw: Buffer): Buffer {
  return raw.subarray(raw.indexOf('\r\n\r\n') + 4);
}

describe('drachtio SIP edge', () => {
  let double: DrachtioServerDouble;
  let edge: SipEdge | undefined;
  let seen: SipIncomingRequest[];
  let reply: (request: SipIncomingRequest) => Promise<SipReply>;
  const handler = async (request: SipIncomingRequest): Promise<SipReply> => {
    seen.push(request);
    return reply(request);
  };

  beforeEach(() => {
    double = new DrachtioServerDouble(SECRET);
    seen = [];
    reply = async () => ({ status: 202, reason: 'Accepted' });
  });

  afterEach(async () => {
    await edge?.stop();
    edge = undefined;
    await double.close();
  });

  async function startInbound(overrides: Record<string, unknown> = {}): Promise<SipEdge> {
    const port = await double.listen();
    edge = createDrachtioEdge(sipConfig({ mode: 'inbound', port }, overrides), log);
    await edge.start(handler);
    await double.whenAuthenticated();
    return edge;
  }

  describe('when connecting inbound', () => {
    it('should authenticate with the secret and route every method that opens a transaction outside a dialog', async () => {
      const e = await startInbound();
      expect(e.isReady()).toBe(true);
      expect(double.authentications).toBe(1);
      expect([...double.routes].sort()).toEqual(['INFO', 'INVITE', 'MESSAGE', 'NOTIFY', 'OPTIONS', 'PUBLISH', 'REFER', 'REGISTER', 'SUBSCRIBE']);
    });

    it('should reject start() when drachtio-server refuses the secret', async () => {
      const port = await double.listen();
      edge = createDrachtioEdge(sipConfig({ mode: 'inbound', port, secret: 'wrong' }), log);
      const failure = await edge.start(handler).catch((err: unknown) => err);
      expect(isHeraldError(failure, 'GW_ERR_SIP_LISTEN_FAILED')).toBe(true);
      expect(edge.isReady()).toBe(false);
    });

    it('should reconnect after drachtio-server drops the connection', async () => {
      const e = await startInbound();
      double.dropConnections();
      await new Promise((r) => setTimeout(r, 50));
      expect(e.isReady()).toBe(false);
      await double.whenAuthenticated();
      await new Promise((r) => setTimeout(r, 50));
      expect(e.isReady()).toBe(true);
      expect(double.authentications).toBe(2);
    });
  });

  describe('when drachtio-server delivers a MESSAGE', () => {
    it('should hand the handler the typed request with exact binary body bytes', async () => {
      // This deflated body holds NUL bytes, which a real drachtio-server refuses (see
      // drachtio-limits.test.ts): past those limits, the edge itself is still byte-exact.
      await double.close();
      double = new DrachtioServerDouble(SECRET, null);
      await startInbound();
      const deflated = deflateSync(Buffer.from('From: <sip:alice@example.com>\r\n\r\nContent-Type: text/plain\r\n\r\nhé\u00ff', 'utf8'));
      const response = await double.inject(rawMessage(deflated, ['Content-Type: message/cpim', 'Content-Encoding: deflate']), {
        protocol: 'tcp',
        address: '192.0.2.7',
        port: 5062,
      });
      expect(seen).toHaveLength(1);
      const request = seen[0]!;
      expect(request.method).toBe('MESSAGE');
      expect(request.requestUri).toBe('sip:+15551234567@gw.example.com');
      expect(request.from).toEqual({ uri: 'sip:alice@example.com', displayName: 'Alice', tag: 'a1' });
      expect(request.to.uri).toBe('sip:+15551234567@gw.example.com');
      expect(request.callId).toBe('drachtio-1@test');
      expect(request.cseq).toBe(3);
      expect(request.headers['content-encoding']).toEqual(['deflate']);
      // Each header line stays its own entry (the standalone edge's library joins them: 'a,b').
      expect(request.headers['supported']).toEqual(['a', 'b']);
      expect(request.body.equals(deflated)).toBe(true);
      expect(request.source).toEqual({ address: '192.0.2.7', port: 5062, transport: 'tcp' });
      expect(response.text).toMatch(/^SIP\/2\.0 202 Accepted\r\n/);
    });

    it('should send the reply with its headers and a binary body intact', async () => {
      // No NUL: drachtio-server ends a body there (drachtio-limits.test.ts).
      const replyBody = Buffer.from([0x01, 0xff, 0x80, 0x0d, 0x0a, 0x0d, 0x0a, 0xc3]);
      reply = async () => ({
        status: 415,
        reason: 'Unsupported Media Type',
        headers: { Accept: 'text/plain, message/cpim', 'Accept-Encoding': 'deflate' },
        contentType: 'application/octet-stream',
        body: replyBody,
      });
      await startInbound();
      const response = await double.inject(rawMessage(Buffer.from('x'), ['Content-Type: application/x-unknown']));
      expect(response.text).toMatch(/^SIP\/2\.0 415 Unsupported Media Type\r\n/);
      expect(response.text).toMatch(/\r\nAccept: text\/plain, message\/cpim\r\n/i);
      expect(response.text).toMatch(/\r\nAccept-Encoding: deflate\r\n/i);
      expect(response.text).toMatch(/\r\nContent-Length: 8\r\n/i);
      expect(bodyOf(response.raw).equals(replyBody)).toBe(true);
    });

    it('should answer OPTIONS through the handler', async () => {
      reply = async () => ({ status: 200, reason: 'OK', headers: { Allow: 'MESSAGE, OPTIONS' } });
      await startInbound();
      const raw = Buffer.from(
        ['OPTIONS sip:gw.example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK-o1', 'From: <sip:a@example.com>;tag=o', 'To: <sip:gw.example.com>', 'Call-ID: o1@test', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'),
        'latin1',
      );
      const response = await double.inject(raw);
      expect(seen.map((r) => r.method)).toEqual(['OPTIONS']);
      expect(response.text).toMatch(/^SIP\/2\.0 200 OK\r\n[\s\S]*Allow: MESSAGE, OPTIONS\r\n/i);
    });
  });

  describe('when the edge sends a MESSAGE', () => {
    it('should resolve the far end final response and frame the body byte-exactly', async () => {
      double.script = () => ({ status: 200, reason: 'OK', headers: { 'X-Far': 'yes' } });
      const e = await startInbound();
      const body = Buffer.from([0x78, 0x9c, 0x01, 0xff, 0xe9]);
      const response = await e.send({
        requestUri: 'sip:bob@198.51.100.9:5080',
        from: { uri: 'sip:herald@localhost', displayName: 'Herald' },
        to: { uri: 'sip:bob@198.51.100.9' },
        contentType: 'message/cpim',
        body,
        headers: { 'Content-Encoding': 'deflate' },
      });
      expect(response.status).toBe(200);
      expect(response.reason).toBe('OK');
      expect(response.headers['x-far']).toEqual(['yes']);
      const sent = double.requests[0]!;
      expect(sent.text).toMatch(/^MESSAGE sip:bob@198\.51\.100\.9:5080 SIP\/2\.0\r\n/);
      expect(sent.text).toMatch(/\r\nFrom: "Herald" <sip:herald@localhost>;tag=\w+\r\n/i);
      expect(sent.text).toMatch(/\r\nContent-Type: message\/cpim\r\n/i);
      expect(sent.text).toMatch(/\r\nContent-Length: 5\r\n/i);
      expect(bodyOf(sent.raw).equals(body)).toBe(true);
    });

    it('should answer a 401 challenge once with digest credentials', async () => {
      double.script = (_request, index) =>
        index === 0
          ? { status: 401, reason: 'Unauthorized', headers: { 'WWW-Authenticate': 'Digest realm="far.example", nonce="abc123", algorithm=MD5' } }
          : { status: 202, reason: 'Accepted' };
      const e = await startInbound();
      const response = await e.send({
        requestUri: 'sip:bob@198.51.100.9',
        from: { uri: 'sip:herald@localhost' },
        to: { uri: 'sip:bob@198.51.100.9' },
        contentType: 'text/plain',
        body: 'hi',
        credentials: { username: 'herald', password: 's3cret' },
      });
      expect(response.status).toBe(202);
      expect(double.requests).toHaveLength(2);
      const authorization = /\r\nAuthorization: (.*)\r\n/i.exec(double.requests[1]!.text)?.[1] ?? '';
      const ha1 = createHash('md5').update('herald:far.example:s3cret').digest('hex');
      const ha2 = createHash('md5').update('MESSAGE:sip:bob@198.51.100.9').digest('hex');
      const expected = createHash('md5').update(`${ha1}:abc123:${ha2}`).digest('hex');
      expect(authorization).toContain(`response="${expected}"`);
    });

    it('should resolve 408 when no final response comes within sendTimeoutMs', async () => {
      double.script = () => ({ status: 100, reason: 'Trying' });
      const e = await startInbound({ sendTimeoutMs: 300 });
      const response = await e.send({
        requestUri: 'sip:bob@198.51.100.9',
        from: { uri: 'sip:herald@localhost' },
        to: { uri: 'sip:bob@198.51.100.9' },
        contentType: 'text/plain',
        body: 'hi',
      });
      expect(response.status).toBe(408);
    });

    it('should reject with GW_ERR_SIP_SEND_FAILED when drachtio-server stays away', async () => {
      const e = await startInbound();
      // Gone for good: send() waits a little for a reconnect, then gives up.
      await double.close();
      await new Promise((r) => setTimeout(r, 30));
      const failure = await e
        .send({ requestUri: 'sip:bob@198.51.100.9', from: { uri: 'sip:herald@localhost' }, to: { uri: 'sip:bob@198.51.100.9' }, contentType: 'text/plain', body: 'hi' })
        .catch((err: unknown) => err);
      expect(isHeraldError(failure, 'GW_ERR_SIP_SEND_FAILED')).toBe(true);
    });
  });

  describe('when drachtio-server connects outbound', () => {
    it('should authenticate, receive a MESSAGE, and send one through its admin connection', async () => {
      const adminPort = await double.listen();
      const port = await findFreeSipPort('127.0.0.1');
      edge = createDrachtioEdge(sipConfig({ mode: 'outbound', port, adminPort }), log);
      await edge.start(handler);
      await double.connectTo(port);
      await double.whenRouted('MESSAGE');
      const response = await double.inject(rawMessage(Buffer.from('hello'), ['Content-Type: text/plain']));
      expect(response.text).toMatch(/^SIP\/2\.0 202 Accepted\r\n/);
      expect(seen[0]?.body.toString()).toBe('hello');
      const sent = await edge.send({ requestUri: 'sip:bob@198.51.100.9', from: { uri: 'sip:herald@localhost' }, to: { uri: 'sip:bob@198.51.100.9' }, contentType: 'text/plain', body: 'hi' });
      expect(sent.status).toBe(200);
    });
  });
});
