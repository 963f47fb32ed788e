/**
 * Issue 15, finding 12: in outbound mode drachtio-server connects to Herald only when a
 * request arrives for it, so after a restart of either side Herald had no socket to send
 * on and every SMS→IM delivery failed until some SIP request came in, while /readyz said
 * `sip: up`. Each case restarts one side and makes an SMS→IM MESSAGE the first thing sent.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDrachtioEdge } from '../../../adapters/sip/drachtio/index.js';
import { findFreeSipPort } from '../../../adapters/sip/standalone/free-port.js';
import { configSchema } from '../../../src/config.js';
import type { SipEdge, SipOutgoingMessage, SipReply } from '../../../src/ports/sip-edge.port.js';
import { DrachtioServerDouble } from '../../helpers/drachtio-server-double.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });
const SECRET = 'test-secret';

/** An SMS reply relayed to its IM user, as sip-deliver sends it. */
const SMS_TO_IM: SipOutgoingMessage = {
  requestUri: 'sip:alice@198.51.100.9:5080',
  from: { uri: 'sip:+15551234567@gw.example.com;user=phone' },
  to: { uri: 'sip:alice@198.51.100.9' },
  contentType: 'text/plain;charset=UTF-8',
  body: 'reply by SMS',
};

describe('drachtio edge in outbound mode', () => {
  let double: DrachtioServerDouble;
  let adminPort: number;
  let listenPort: number;
  const edges: SipEdge[] = [];
  const handler = async (): Promise<SipReply> => ({ status: 202, reason: 'Accepted' });

  function newEdge(): SipEdge {
    const sip = configSchema.parse({
      sip: { edge: 'drachtio', sendTimeoutMs: 3_000, drachtio: { mode: 'outbound', port: listenPort, adminPort, secret: SECRET } },
    }).sip;
    const edge = createDrachtioEdge(sip, log);
    edges.push(edge);
    return edge;
  }

  beforeEach(async () => {
    double = new DrachtioServerDouble(SECRET);
    adminPort = await double.listen();
    listenPort = await findFreeSipPort('127.0.0.1');
  });

  afterEach(async () => {
    for (const edge of edges.splice(0)) await edge.stop();
    await double.close();
  });

  describe('when Herald restarts', () => {
    it('should send an SMS→IM MESSAGE before any SIP request has arrived, and be ready only then', async () => {
      const first = newEdge();
      await first.start(handler);
      await first.stop();

      const restarted = newEdge();
      await restarted.start(handler);
      expect(restarted.isReady()).toBe(true);
      const response = await restarted.send(SMS_TO_IM);

      expect(response.status).toBe(200);
      expect(double.requests).toHaveLength(1);
      expect(double.requests[0]?.text).toMatch(/^MESSAGE sip:alice@198\.51\.100\.9:5080 SIP\/2\.0\r\n/);
      // Nothing reached Herald before: the send did not ride on an inbound request's connection.
      expect(double.received.filter((frame) => frame.type === 'sip' && frame.tokens[0] !== '')).toHaveLength(0);
    });
  });

  describe('when drachtio-server restarts', () => {
    it('should report not ready while it is away, then send an SMS→IM MESSAGE first', async () => {
      const edge = newEdge();
      await edge.start(handler);
      expect(edge.isReady()).toBe(true);

      await double.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(edge.isReady()).toBe(false);

      double = new DrachtioServerDouble(SECRET);
      await double.listen(adminPort);
      // No request from the network first: the MESSAGE waits for the reconnect and goes out.
      const response = await edge.send(SMS_TO_IM);

      expect(response.status).toBe(200);
      expect(double.requests).toHaveLength(1);
      expect(edge.isReady()).toBe(true);
    });

    it('should still take requests drachtio-server brings on its own connection', async () => {
      const edge = newEdge();
      await edge.start(handler);
      await double.connectTo(listenPort);
      await double.whenRouted('MESSAGE');
      const raw = Buffer.from(
        [
          'MESSAGE sip:+15551234567@gw.example.com SIP/2.0',
          'Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK-r1',
          'From: <sip:alice@example.com>;tag=a1',
          'To: <sip:+15551234567@gw.example.com>',
          'Call-ID: restart-1@test',
          'CSeq: 1 MESSAGE',
          'Content-Type: text/plain',
          'Content-Length: 2',
          '',
          'hi',
        ].join('\r\n'),
        'latin1',
      );
      const answer = await double.inject(raw);
      expect(answer.answeredBy).toBe('app');
      expect(answer.text).toMatch(/^SIP\/2\.0 202 Accepted\r\n/);
    });
  });
});
