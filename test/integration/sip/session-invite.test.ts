/**
 * INVITE server transactions of the standalone edge in session mode, against a raw UDP
 * client: 100 at once, the 2xx retransmitted until ACK (RFC 3261 §13.3.1.4), a
 * retransmitted INVITE absorbed (the core sees it once), a refusal sent once only.
 */
import dgram from 'node:dgram';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../../adapters/sip/standalone/index.js';
import { configSchema } from '../../../src/config.js';
import type { SipReply, SipRequestHandler } from '../../../src/ports/sip-edge.port.js';
import { buildInvite } from '../../helpers/sip-invite.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });

/** A request of the INVITE transaction `branch` (`<call>-<n>`), built by the shared helper. */
function invite(port: number, clientPort: number, branch: string, method = 'INVITE'): Buffer {
  return buildInvite({
    method,
    requestUri: `sip:+15551234567@127.0.0.1:${port}`,
    via: { host: '127.0.0.1', port: clientPort },
    branch: `z9hG4bK-${branch}`,
    fromTag: 'a1',
    ...(method === 'ACK' ? { toTag: 'x' } : {}),
    callId: `call-${branch.split('-')[0]}@test`,
  });
}

describe('standalone edge INVITE transactions (session mode)', () => {
  let edge: StandaloneSipEdge | undefined;
  let socket: dgram.Socket | undefined;

  afterEach(async () => {
    socket?.close();
    socket = undefined;
    await edge?.stop();
    edge = undefined;
  });

  async function setup(answer: SipReply): Promise<{ port: number; clientPort: number; received: string[]; calls: () => number }> {
    let calls = 0;
    const handler: SipRequestHandler = async () => {
      calls++;
      return answer;
    };
    edge = createStandaloneEdge(configSchema.parse({ sip: { port: 0 } }).sip, log, undefined, { sessions: true });
    await edge.start(handler);
    const received: string[] = [];
    const client = dgram.createSocket('udp4');
    socket = client;
    client.on('message', (m) => received.push(m.toString('latin1')));
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()));
    return { port: edge.address().port, clientPort: client.address().port, received, calls: () => calls };
  }

  const send = (bytes: Buffer, port: number): void => socket?.send(bytes, port, '127.0.0.1');
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const finals = (received: string[], status: number): number => received.filter((r) => r.startsWith(`SIP/2.0 ${status} `)).length;

  describe('when the core accepts the INVITE', () => {
    it('should send 100 at once and retransmit the 200 until the ACK, then stop', async () => {
      const { port, clientPort, received, calls } = await setup({ status: 200, reason: 'OK', contentType: 'application/sdp', body: 'v=0\r\n' });
      send(invite(port, clientPort, 'one-1'), port);
      await sleep(1_700);
      expect(received[0]).toMatch(/^SIP\/2\.0 100 Trying/);
      // At 0, T1 and 3·T1: three copies within 1.7 s.
      expect(finals(received, 200)).toBeGreaterThanOrEqual(3);
      expect(received.find((r) => r.startsWith('SIP/2.0 200'))).toMatch(/\r\nContact: <sip:127\.0\.0\.1:\d+;transport=udp>\r\n/);
      send(invite(port, clientPort, 'one-2', 'ACK'), port);
      await sleep(200);
      const afterAck = finals(received, 200);
      await sleep(2_500);
      expect(finals(received, 200)).toBe(afterAck);
      expect(calls()).toBe(1);
    });

    it('should answer a retransmitted INVITE from the transaction, not the core', async () => {
      const { port, clientPort, received, calls } = await setup({ status: 200, reason: 'OK', contentType: 'application/sdp', body: 'v=0\r\n' });
      send(invite(port, clientPort, 'two-1'), port);
      await sleep(200);
      send(invite(port, clientPort, 'two-1'), port);
      await sleep(200);
      expect(calls()).toBe(1);
      expect(finals(received, 200)).toBeGreaterThanOrEqual(2);
      send(invite(port, clientPort, 'two-2', 'ACK'), port);
    });
  });

  describe('when the core refuses the INVITE', () => {
    it('should send the refusal once, never retransmitted', async () => {
      const { port, clientPort, received } = await setup({ status: 404, reason: 'Not Found' });
      send(invite(port, clientPort, 'three-1'), port);
      await sleep(1_800);
      expect(finals(received, 404)).toBe(1);
    });
  });

  describe('when a CANCEL comes for an answered INVITE', () => {
    it('should answer 200 to a known one and 481 to an unknown one', async () => {
      const { port, clientPort, received } = await setup({ status: 200, reason: 'OK', contentType: 'application/sdp', body: 'v=0\r\n' });
      send(invite(port, clientPort, 'four-1'), port);
      await sleep(200);
      send(invite(port, clientPort, 'four-1', 'CANCEL'), port);
      send(invite(port, clientPort, 'five-1', 'CANCEL'), port);
      await sleep(300);
      expect(received.some((r) => r.startsWith('SIP/2.0 200') && r.includes('CSeq: 1 CANCEL'))).toBe(true);
      expect(received.some((r) => r.startsWith('SIP/2.0 481') && r.includes('CSeq: 1 CANCEL'))).toBe(true);
      send(invite(port, clientPort, 'four-2', 'ACK'), port);
    });
  });
});
