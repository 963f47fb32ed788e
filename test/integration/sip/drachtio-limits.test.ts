/**
 * Issue 15, findings 11 and 13: what a SIP client hears in drachtio mode at drachtio-server's
 * limits (the double set to the real server's: adapters/sip/drachtio/limits.ts), and for
 * methods Herald does not serve.
 */
import { deflateSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRACHTIO_MAX_MESSAGE_BYTES } from '../../../adapters/sip/drachtio/limits.js';
import { createDrachtioEdge } from '../../../adapters/sip/drachtio/index.js';
import { configSchema } from '../../../src/config.js';
import type { SipEdge, SipIncomingRequest, SipReply } from '../../../src/ports/sip-edge.port.js';
import { DrachtioServerDouble, REAL_DRACHTIO_LIMITS } from '../../helpers/drachtio-server-double.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });
const SECRET = 'test-secret';

/**
 * What liblinphone sends while its user types: a CPIM isComposing, deflated. Whether a
 * deflate stream holds a 0x00 depends on the bytes; this one does (checked below), as
 * liblinphone's "displayed" IMDN and isComposing did against the real server.
 */
const IS_COMPOSING_CPIM = [
  'From: <sip:alice@example.com>',
  'To: <sip:+15551234567@gw.example.com>',
  'DateTime: 2026-11-26T06:14:30Z',
  '',
  'Content-Type: application/im-iscomposing+xml',
  '',
  '<?xml version="1.0" encoding="UTF-8"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state><contenttype>text/plain</contenttype><refresh>60</refresh></isComposing>',
].join('\r\n');

function request(method: string, body: Buffer, headers: readonly string[] = []): Buffer {
  const head = [
    `${method} sip:+15551234567@gw.example.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK-l1',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:+15551234567@gw.example.com>',
    `Call-ID: ${method.toLowerCase()}-${body.length}@test`,
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
    ...headers,
    `Content-Length: ${body.length}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

describe('drachtio edge at drachtio-server limits', () => {
  let double: DrachtioServerDouble;
  let edge: SipEdge | undefined;
  let seen: SipIncomingRequest[];
  // Herald's answers to what reaches it (the core's own rules, as ingress gives them).
  const handler = async (req: SipIncomingRequest): Promise<SipReply> => {
    seen.push(req);
    if (req.headers['x-reply-with-nul'] !== undefined) {
      return { status: 415, reason: 'Unsupported Media Type', contentType: 'text/plain', body: Buffer.from('ab\u0000cd', 'latin1') };
    }
    if (req.body.length > 4096) return { status: 413, reason: 'Request Entity Too Large' };
    return { status: 415, reason: 'Unsupported Media Type', headers: { Accept: 'text/plain, message/cpim, message/imdn+xml' } };
  };

  beforeEach(async () => {
    seen = [];
    double = new DrachtioServerDouble(SECRET, REAL_DRACHTIO_LIMITS);
    const port = await double.listen();
    const sip = configSchema.parse({ sip: { edge: 'drachtio', maxBodyBytes: 4096, drachtio: { mode: 'inbound', port, secret: SECRET } } }).sip;
    edge = createDrachtioEdge(sip, log);
    await edge.start(handler);
    await double.whenRouted('MESSAGE');
  });

  afterEach(async () => {
    await edge?.stop();
    edge = undefined;
    await double.close();
  });

  describe('when a body holds a NUL byte (liblinphone deflated isComposing)', () => {
    it('should be answered 400 by drachtio-server itself and never reach Herald', async () => {
      const deflated = deflateSync(Buffer.from(IS_COMPOSING_CPIM, 'utf8'));
      expect(deflated.includes(0)).toBe(true);
      const answer = await double.inject(request('MESSAGE', deflated, ['Content-Type: message/cpim', 'Content-Encoding: deflate']));

      expect(answer.answeredBy).toBe('drachtio-server');
      expect(answer.text).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
      expect(seen).toHaveLength(0);
      expect(double.refusals[0]).toMatch(/^message truncated at \d+$/);
    });

    it('should reach Herald and get 415 with Accept when the same indicator is not deflated', async () => {
      const answer = await double.inject(request('MESSAGE', Buffer.from(IS_COMPOSING_CPIM, 'utf8'), ['Content-Type: message/cpim']));

      expect(answer.answeredBy).toBe('app');
      expect(answer.text).toMatch(/^SIP\/2\.0 415 Unsupported Media Type\r\n/);
      expect(answer.text).toMatch(/\r\nAccept: text\/plain, message\/cpim, message\/imdn\+xml\r\n/i);
      expect(seen).toHaveLength(1);
    });
  });

  describe('when the request is larger than 8 KB', () => {
    it('should be answered 400 by drachtio-server itself instead of Herald\'s 413', async () => {
      const body = Buffer.alloc(DRACHTIO_MAX_MESSAGE_BYTES, 'a');
      const answer = await double.inject(request('MESSAGE', body, ['Content-Type: text/plain']));

      expect(answer.answeredBy).toBe('drachtio-server');
      expect(answer.text).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
      expect(seen).toHaveLength(0);
      expect(double.refusals).toEqual([`message truncated at ${DRACHTIO_MAX_MESSAGE_BYTES}`]);
    });

    it('should reach Herald, and get its 413, when the body is over Herald\'s limit but the request within 8 KB', async () => {
      const body = Buffer.alloc(6000, 'a');
      const answer = await double.inject(request('MESSAGE', body, ['Content-Type: text/plain']));

      expect(answer.answeredBy).toBe('app');
      expect(answer.text).toMatch(/^SIP\/2\.0 413 Request Entity Too Large\r\n/);
      expect(seen).toHaveLength(1);
    });
  });

  describe('when Herald would send a body holding a NUL byte', () => {
    it('should answer 488 itself and send nothing, rather than let drachtio-server cut the body', async () => {
      const response = await edge!.send({
        requestUri: 'sip:bob@198.51.100.9',
        from: { uri: 'sip:+15551234567@gw.example.com' },
        to: { uri: 'sip:bob@198.51.100.9' },
        contentType: 'text/plain;charset=UTF-8',
        body: Buffer.from('before\u0000after', 'utf8'),
      });

      expect(response.status).toBe(488);
      expect(double.requests).toHaveLength(0);
    });

    it('should reach the network cut at the NUL when a reply carries one, as drachtio-server sends it', async () => {
      const answer = await double.inject(request('MESSAGE', Buffer.from('x'), ['Content-Type: text/plain', 'X-Reply-With-Nul: yes']));

      expect(answer.answeredBy).toBe('app');
      expect(answer.text).toMatch(/\r\nContent-Length: 2\r\n/i);
      expect(answer.raw.subarray(answer.raw.indexOf('\r\n\r\n') + 4).toString('latin1')).toBe('ab');
    });
  });

  describe('when a client sends INVITE or SUBSCRIBE', () => {
    it.each(['INVITE', 'SUBSCRIBE'])('should answer %s 405 with Allow from Herald, not 503 from drachtio-server', async (method) => {
      const answer = await double.inject(request(method, Buffer.alloc(0), method === 'SUBSCRIBE' ? ['Event: presence'] : []));

      expect(answer.answeredBy).toBe('app');
      expect(answer.text).toMatch(/^SIP\/2\.0 405 Method Not Allowed\r\n/);
      expect(answer.text).toMatch(/\r\nAllow: MESSAGE, OPTIONS\r\n/i);
      expect(double.refusals).toEqual([]);
    });

    it('should answer a stranger 403 without Allow: the peer check comes first', async () => {
      const answer = await double.inject(request('INVITE', Buffer.alloc(0)), { address: '192.0.2.66' });

      expect(answer.answeredBy).toBe('app');
      expect(answer.text).toMatch(/^SIP\/2\.0 403 /);
      expect(answer.text).not.toMatch(/\r\nAllow:/i);
      expect(seen).toHaveLength(0);
    });
  });
});
