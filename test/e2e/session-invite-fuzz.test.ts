/**
 * Malformed INVITEs and SDP offers against the gateway process in session mode, over real
 * UDP and TCP sockets: each defect gets its specific 4xx (and the code naming it), then
 * thousands of seeded mutations of a good INVITE, after which the gateway is up, healthy,
 * and still opens a session. Replay with HERALD_FUZZ_SEED=<n>, scale with HERALD_FUZZ_INPUTS.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { mutator, prng } from '../helpers/sip-mutator.js';
import { buildInvite, msrpOffer, type RawInviteOptions } from '../helpers/sip-invite.js';
import { tcpAsk, udpAsk } from '../helpers/sip-raw.js';

const SEED = Number(process.env.HERALD_FUZZ_SEED ?? 19);
const INPUTS = Number(process.env.HERALD_FUZZ_INPUTS ?? 10_000);
const GROUP = 50;
const TO = 'sip:+15557773001@127.0.0.1';

interface Case {
  readonly name: string;
  readonly request: Omit<RawInviteOptions, 'requestUri' | 'transport'>;
  readonly status: number;
  /** The error code the Warning names, when the core answers. */
  readonly code?: string;
  /** Only a datagram is complete as sent: on TCP the edge waits for the rest of the body. */
  readonly udpOnly?: boolean;
}

const CASES: readonly Case[] = [
  { name: 'an offer without any m= line', request: { body: msrpOffer({ media: '', attributes: [] }) }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'an audio stream only', request: { body: msrpOffer({ media: 'm=audio 4000 RTP/AVP 0', attributes: [] }) }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'the MSRP stream refused by port 0', request: { body: msrpOffer({ media: 'm=message 0 TCP/MSRP *' }) }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'MSRP over a transport it does not run on (UDP/MSRP)', request: { body: msrpOffer({ media: 'm=message 9 UDP/MSRP *' }) }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'a message stream over RTP', request: { body: msrpOffer({ media: 'm=message 9 TCP/RTP/AVP 0' }) }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'no a=path', request: { body: msrpOffer({ attributes: ['accept-types:text/plain', 'setup:active'] }) }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'an empty a=path', request: { body: msrpOffer({ attributes: ['accept-types:text/plain', 'path:'] }) }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  // The MSRP URI parser refuses it (RFC 4975 §9 msrp-uri): a malformed offer, 400.
  { name: 'an a=path that is no MSRP URI', request: { body: msrpOffer({ attributes: ['accept-types:text/plain', 'path:http://example.com/x'] }) }, status: 400, code: 'GW_ERR_MSRP_MALFORMED' },
  { name: 'SDP not starting with v=0', request: { body: msrpOffer({ session: ['v=1', 's=-', 't=0 0'] }) }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'binary junk as SDP', request: { body: Buffer.from(randomBytes(300).toString('latin1').replace(/\0/g, 'x'), 'latin1') }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'an empty body declared as SDP', request: { contentType: 'application/sdp' }, status: 488, code: 'GW_ERR_SDP_UNACCEPTABLE' },
  { name: 'a body that is not SDP', request: { contentType: 'text/plain', body: 'hello' }, status: 415, code: 'GW_ERR_CONTENT_UNSUPPORTED_TYPE' },
  { name: 'no body at all', request: {}, status: 415, code: 'GW_ERR_CONTENT_UNSUPPORTED_TYPE' },
  { name: 'a Content-Length beyond the body', request: { body: msrpOffer(), contentLength: '9999' }, status: 400, udpOnly: true },
  { name: 'a CSeq method that is not INVITE', request: { body: msrpOffer(), cseqMethod: 'MESSAGE' }, status: 400 },
  { name: 'a Session-Expires below Min-SE', request: { body: msrpOffer(), headers: ['Supported: timer', 'Session-Expires: 10'] }, status: 422 },
  { name: 'a re-INVITE for no dialog', request: { body: msrpOffer(), toTag: 'nobody' }, status: 481 },
];

describe('session mode INVITE/SDP abuse and fuzzing (gateway process)', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      env: {
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SESSION_ENABLED: 'true',
        HERALD_SESSION_MSRP_PORT: '0',
        // Sessions the fuzz opens (mutations that stay valid) end fast: nobody connects to them.
        HERALD_SESSION_RECONNECT_GRACE_MS: '200',
      },
    });
  }, 120_000);

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
  });

  async function expectSessionStillOpens(transport: 'UDP' | 'TCP'): Promise<void> {
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.httpUrl}/healthz`)).status).toBe(200);
    const ask = transport === 'UDP' ? udpAsk : tcpAsk;
    const answer = await ask(gateway.sipPort, buildInvite({ requestUri: TO, transport, body: msrpOffer() }), 5_000);
    expect(answer?.status).toBe(200);
  }

  for (const transport of ['UDP', 'TCP'] as const) {
    describe(`when INVITEs arrive malformed over ${transport}`, () => {
      for (const c of CASES.filter((k) => transport === 'UDP' || k.udpOnly !== true)) {
        it(`answers ${c.name} with ${c.status}`, async () => {
          const ask = transport === 'UDP' ? udpAsk : tcpAsk;
          const answer = await ask(gateway.sipPort, buildInvite({ ...c.request, requestUri: TO, transport }), 5_000);
          expect(answer?.status).toBe(c.status);
          if (c.code !== undefined) expect(answer?.text).toMatch(new RegExp(`^Warning: .*${c.code}`, 'm'));
        }, 20_000);
      }

      it('answers an SDP offer over 8 KB without reading it as SDP', async () => {
        const huge = msrpOffer({ attributes: ['accept-types:text/plain', `path:msrp://127.0.0.1:9/${'a'.repeat(9_000)};tcp`] });
        const ask = transport === 'UDP' ? udpAsk : tcpAsk;
        const answer = await ask(gateway.sipPort, buildInvite({ requestUri: TO, transport, body: huge }), 5_000);
        // Over the SIP body limit the edge answers 413 itself; under it the SDP codec's 8 KB limit gives 488.
        expect([413, 488]).toContain(answer?.status);
        await expectSessionStillOpens(transport);
      }, 20_000);

      it('takes a malformed a=max-size as absent (RFC 4975 §8: it only limits what Herald sends)', async () => {
        for (const maxSize of ['-5', 'lots', '99999999999999999999', '']) {
          const ask = transport === 'UDP' ? udpAsk : tcpAsk;
          const body = msrpOffer({ attributes: ['accept-types:text/plain', `max-size:${maxSize}`, `path:msrp://127.0.0.1:9/${randomBytes(4).toString('hex')};tcp`] });
          const answer = await ask(gateway.sipPort, buildInvite({ requestUri: TO, transport, body }), 5_000);
          expect(answer?.status).toBe(200);
          expect(answer?.text).toMatch(/^a=max-size:\d+\r?$/m);
        }
      }, 30_000);
    });
  }

  describe('when thousands of mutated INVITEs arrive', () => {
    it('answers what it can parse with a final status and stays up', async () => {
      const random = prng(SEED);
      const mutate = mutator(random);
      const seeds = [
        buildInvite({ requestUri: TO, body: msrpOffer(), headers: ['Supported: timer', 'Session-Expires: 1800'] }).toString('latin1'),
        buildInvite({ requestUri: TO, body: msrpOffer({ media: 'm=audio 4000 RTP/AVP 0\r\nm=message 9 TCP/MSRP *' }) }).toString('latin1'),
        buildInvite({ requestUri: TO, method: 'UPDATE', toTag: 'x', body: msrpOffer() }).toString('latin1'),
      ];
      const socket = dgram.createSocket('udp4');
      const statuses = new Map<number, number>();
      let barrier: (() => void) | undefined;
      socket.on('message', (msg) => {
        const text = msg.toString('latin1');
        const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);
        if (text.includes('barrier-')) barrier?.();
        else statuses.set(status, (statuses.get(status) ?? 0) + 1);
      });
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
      for (let sent = 0; sent < INPUTS; sent += GROUP) {
        for (let i = 0; i < Math.min(GROUP, INPUTS - sent); i++) {
          socket.send(mutate.mutate(seeds[Math.floor(random() * seeds.length)] ?? '').subarray(0, 65_000), gateway.sipPort, '127.0.0.1');
        }
        // An OPTIONS answered means the group was read (one socket, read in order).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2_000);
          barrier = () => {
            clearTimeout(timer);
            resolve();
          };
          socket.send(buildInvite({ method: 'OPTIONS', requestUri: TO, callId: `barrier-${sent}@test` }), gateway.sipPort, '127.0.0.1');
        });
      }
      await new Promise<void>((r) => socket.close(() => r()));
      // Most inputs still parse as requests and are answered (not silently swallowed by a crash).
      const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
      expect(answered).toBeGreaterThan(INPUTS / 4);
      // Every answer is a real SIP status: 1xx provisional, 2xx, or a 4xx/5xx refusal.
      for (const status of statuses.keys()) expect(status === 100 || (status >= 200 && status < 600)).toBe(true);
      expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
      expect(gateway.logs.some((l) => typeof l.msg === 'string' && /uncaught|unhandled/i.test(l.msg))).toBe(false);
      await expectSessionStillOpens('UDP');
      await expectSessionStillOpens('TCP');
    }, 300_000);
  });
});
