/**
 * The standalone edge's client transactions against a scripted UDP peer: Timer E re-sends
 * until answered, a 100 Trying is not final, and a 401 digest challenge (MD5 or SHA-256,
 * qop=auth) is answered once with a response the peer can verify (RFC 7616 §3.4).
 */
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../../adapters/sip/standalone/index.js';
import { configSchema } from '../../../src/config.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });

/** A peer that answers each request with what `script` returns (undefined: stay silent). */
async function peer(script: (request: string, index: number) => string[] | undefined): Promise<{ port: number; requests: string[]; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  const requests: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const text = msg.toString('latin1');
    requests.push(text);
    for (const response of script(text, requests.length - 1) ?? []) socket.send(Buffer.from(response, 'latin1'), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, requests, close: () => socket.close() };
}

function header(request: string, name: string): string {
  return new RegExp(`\\r\\n${name}: ([^\\r]*)`, 'i').exec(request)?.[1] ?? '';
}

function respond(request: string, status: string, extra: string[] = []): string {
  const copy = ['Via', 'From', 'Call-ID', 'CSeq'].map((n) => `${n}: ${header(request, n)}`);
  return [`SIP/2.0 ${status}`, ...copy, `To: ${header(request, 'To')};tag=peer`, ...extra, 'Content-Length: 0', '', ''].join('\r\n');
}

describe('standalone SIP edge client transactions', () => {
  let edge: StandaloneSipEdge | undefined;
  let close: (() => void) | undefined;

  afterEach(async () => {
    close?.();
    await edge?.stop();
    edge = undefined;
  });

  async function send(port: number, credentials?: { username: string; password: string }) {
    edge = createStandaloneEdge(configSchema.parse({ sip: { port: 0, sendTimeoutMs: 5_000 } }).sip, log);
    await edge.start(async () => ({ status: 202, reason: 'Accepted' }));
    return edge.send({
      requestUri: `sip:bob@127.0.0.1:${port}`,
      from: { uri: 'sip:herald@localhost' },
      to: { uri: `sip:bob@127.0.0.1:${port}` },
      contentType: 'text/plain',
      body: 'hi',
      credentials,
    });
  }

  describe('when the peer ignores the first copy and sends 100 Trying first', () => {
    it('should re-send on Timer E and resolve with the final response', async () => {
      const p = await peer((request, i) => (i === 0 ? undefined : [respond(request, '100 Trying'), respond(request, '200 OK')]));
      close = p.close;
      const response = await send(p.port);
      expect(response.status).toBe(200);
      expect(p.requests.length).toBeGreaterThanOrEqual(2);
      expect(new Set(p.requests.map((r) => header(r, 'Via'))).size).toBe(1);
    });
  });

  describe.each(['MD5', 'SHA-256'])('when the peer challenges with %s digest', (algorithm) => {
    it('should answer once with a response the peer verifies', async () => {
      const hash = (text: string): string => createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(text).digest('hex');
      let verified = false;
      const p = await peer((request, i) => {
        if (i === 0) return [respond(request, '401 Unauthorized', [`WWW-Authenticate: Digest realm="gw", nonce="n0nce", qop="auth", algorithm=${algorithm}, opaque="op"`])];
        const auth = header(request, 'Authorization');
        const param = (name: string): string => new RegExp(`${name}="?([^",]*)"?`).exec(auth)?.[1] ?? '';
        const ha1 = hash(`alice:gw:secret`);
        const ha2 = hash(`MESSAGE:${param('uri')}`);
        verified = param('response') === hash(`${ha1}:n0nce:${param('nc')}:${param('cnonce')}:auth:${ha2}`) && param('opaque') === 'op';
        return [respond(request, verified ? '200 OK' : '403 Forbidden')];
      });
      close = p.close;
      const response = await send(p.port, { username: 'alice', password: 'secret' });
      expect(response.status).toBe(200);
      expect(verified).toBe(true);
      expect(header(p.requests[1] ?? '', 'CSeq')).toMatch(/^\d+ MESSAGE$/);
      expect(Number.parseInt(header(p.requests[1] ?? '', 'CSeq'), 10)).toBe(Number.parseInt(header(p.requests[0] ?? '', 'CSeq'), 10) + 1);
    });
  });
  describe('when the caller gives a Route (a pre-existing route set)', () => {
    it('sends to the first Route entry, keeps the Request-URI and carries the Route', async () => {
      const proxy = await peer((request) => [respond(request, '202 Accepted')]);
      close = proxy.close;
      edge = createStandaloneEdge(configSchema.parse({ sip: { port: 0, sendTimeoutMs: 5_000 } }).sip, log);
      await edge.start(async () => ({ status: 202, reason: 'Accepted' }));
      const response = await edge.send({
        requestUri: 'sip:bob@example.invalid',
        from: { uri: 'sip:herald@localhost' },
        to: { uri: 'sip:bob@example.invalid' },
        contentType: 'text/plain',
        body: 'hi',
        headers: { Route: `<sip:127.0.0.1:${proxy.port};lr>` },
      });
      expect(response.status).toBe(202);
      expect(proxy.requests[0]?.startsWith('MESSAGE sip:bob@example.invalid SIP/2.0\r\n')).toBe(true);
      expect(header(proxy.requests[0] ?? '', 'Route')).toBe(`<sip:127.0.0.1:${proxy.port};lr>`);
    });
  });
});
