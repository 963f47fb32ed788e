/**
 * RFC 4475 torture messages, adapted to page-mode MESSAGE to an SMS number, sent over UDP and
 * TCP to the gateway process: valid ones are parsed as the RFC says (202, or the answer the
 * core gives to what they mean), invalid ones get 400/505 with a reason or are dropped where
 * no answer can be routed, and the process answers /healthz after every one. Also the inputs
 * that stopped the old stack (issue 15): a `__proto__` Via parameter, 65,000 spaces, CSeq
 * 2^53.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { tcpAsk, udpAsk, wire, type RawAnswer } from '../helpers/sip-raw.js';

type Transport = 'UDP' | 'TCP';

const TO = 'sip:+15551234567@127.0.0.1';

/** A plain MESSAGE with `extra` header lines; `{…}` placeholders as in wire(). */
function plain(extra: string[] = [], startLine = `MESSAGE ${TO} SIP/2.0`, body = 'torture body'): string {
  return [
    startLine,
    'Via: SIP/2.0/{transport} 127.0.0.1:5999;branch=z9hG4bK-{id}',
    'Max-Forwards: 70',
    'From: <sip:torture@example.com>;tag=t-{id}',
    `To: <${TO}>`,
    'Call-ID: {id}@torture.example.com',
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
    ...extra,
    'Content-Length: {len}',
    '',
    body,
  ].join('\n');
}

/** RFC 4475 §3.1.1.1 (wsinv), adapted: folding, odd case, LWS around colons and slashes, compact forms. */
const WSINV = [
  `MESSAGE ${TO};unknownparam SIP/2.0`,
  'TO :',
  ` <${TO}>`,
  'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>',
  '  ;',
  '  tag = 98asjd8',
  'MaX-fOrWaRdS: 0068',
  'Call-ID: wsinv.{id}@192.0.2.2',
  'Content-Length   : {len}',
  'cseq: 0009',
  '  MESSAGE',
  'Via  : SIP  /   2.0',
  ' /{transport}',
  '    127.0.0.1;branch=z9hG4bK-{id}',
  's :',
  'NewFangledHeader:   newfangled value',
  ' continued newfangled value',
  'UnknownHeaderWithUnusualValue: ;;,,;;,;',
  'c: text/plain',
  'v:  SIP  / 2.0  / TCP     spindle.example.com   ;',
  '  branch  =   z9hG4bK9ikj8  ,',
  ' SIP  /    2.0   / UDP  192.168.255.111   ; branch=',
  ' z9hG4bK30239',
  'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =',
  '      newvalue ;',
  '  secondparam ; q = 0.33',
  '',
  'tortuous',
].join('\n');

interface Case {
  readonly name: string;
  readonly message: string;
  /** Statuses the RFC allows; undefined in the list means "dropped, no answer". */
  readonly expect: readonly (number | undefined)[];
  readonly transports?: readonly Transport[];
}

const VALID: readonly Case[] = [
  { name: 'a plain MESSAGE', message: plain(), expect: [202] },
  { name: '§3.1.1.1 wsinv: folding, LWS and compact forms', message: WSINV, expect: [202] },
  {
    name: '§3.1.1.2 intmeth: an unusual method name is 405, not a parse error',
    message: plain([], `!interesting-Method0123456789_*+\`.%indeed'~ ${TO} SIP/2.0`).replace('CSeq: 1 MESSAGE', "CSeq: 1 !interesting-Method0123456789_*+`.%indeed'~"),
    expect: [405],
  },
  { name: '§3.1.1.6 lwsdisp: a display name without space before <', message: plain().replace('From: <sip:torture', 'From: caller<sip:torture'), expect: [202] },
  {
    name: '§3.1.1.7 longreq: long header values',
    message: plain([`X-Long: ${'a'.repeat(3_000)}`]).replace('From: <', `From: "${'L'.repeat(500)}" <`).replace(';tag=t-{id}', `;tag=t-{id}${'0'.repeat(300)}`),
    expect: [202],
  },
  {
    name: '§3.1.1.8 dblreq: bytes after Content-Length in a datagram are ignored',
    message: `${plain().replace('{len}', '12')}MESSAGE ${TO} SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-second\n\n`,
    expect: [202],
    transports: ['UDP'],
  },
  {
    name: '§3.1.1.10 transports: Via values with unknown transports',
    message: plain(['Via: SIP/2.0/SCTP 192.0.2.3;branch=z9hG4bK-a, SIP/2.0/TLS 192.0.2.4;branch=z9hG4bK-b', 'Via: SIP/2.0/UNKNOWN 192.0.2.5;branch=z9hG4bK-c']),
    expect: [202],
  },
  { name: '§3.1.1.11 zeromf: Max-Forwards 0 at the UAS', message: plain().replace('Max-Forwards: 70', 'Max-Forwards: 0'), expect: [202] },
  { name: 'CSeq 2^31-1 is the largest allowed', message: plain().replace('CSeq: 1 MESSAGE', 'CSeq: 2147483647 MESSAGE'), expect: [202] },
  { name: 'a __proto__ Via parameter (stopped the old stack)', message: plain().replace('branch=z9hG4bK-{id}', 'branch=z9hG4bK-{id};__proto__=1;constructor;hasOwnProperty=x'), expect: [202] },
  { name: 'a header named __proto__', message: plain(['__proto__: {"polluted":true}', 'constructor: x']), expect: [202] },
  {
    name: '§3.1.1.4 escnull: an escaped NUL in the Request-URI is parsed, not a crash',
    message: plain([], `MESSAGE sip:null-%00-null@127.0.0.1 SIP/2.0`).replace(`To: <${TO}>`, 'To: <sip:null-%00-null@127.0.0.1>'),
    expect: [404, 400, 403, 415],
  },
  { name: '§3.1.1.13 unknown URI scheme', message: plain([], 'MESSAGE name:John_Smith SIP/2.0'), expect: [404, 416] },
];

const INVALID: readonly Case[] = [
  { name: '§3.1.2.2 clerr: Content-Length larger than the datagram', message: plain().replace('Content-Length: {len}', 'Content-Length: 9999'), expect: [400], transports: ['UDP'] },
  { name: '§3.1.2.3 scalar02: negative Content-Length', message: plain().replace('Content-Length: {len}', 'Content-Length: -999'), expect: [400, undefined] },
  { name: '§3.1.2.4 scalarlg: CSeq above 2^32', message: plain().replace('CSeq: 1 MESSAGE', 'CSeq: 36893488147419103232 MESSAGE'), expect: [400] },
  { name: 'CSeq 2^31 is out of range', message: plain().replace('CSeq: 1 MESSAGE', 'CSeq: 2147483648 MESSAGE'), expect: [400] },
  { name: 'CSeq 2^53', message: plain().replace('CSeq: 1 MESSAGE', 'CSeq: 9007199254740992 MESSAGE'), expect: [400] },
  { name: 'Max-Forwards above 255', message: plain().replace('Max-Forwards: 70', 'Max-Forwards: 300'), expect: [400] },
  { name: '§3.1.2.5 quotbal: unterminated quote in To', message: plain().replace(`To: <${TO}>`, `To: "Mr. J. User <${TO}>`), expect: [400] },
  { name: '§3.1.2.6 ltgtruri: Request-URI in angle brackets', message: plain([], `MESSAGE <${TO}> SIP/2.0`), expect: [400] },
  { name: '§3.1.2.7 lwsruri: whitespace inside the Request-URI', message: plain([], `MESSAGE sip:+1555 1234567@127.0.0.1 SIP/2.0`), expect: [400] },
  { name: '§3.1.2.8 lwsstart: several spaces in the request line', message: plain([], `MESSAGE  ${TO}  SIP/2.0`), expect: [400] },
  { name: '§3.1.2.9 trws: trailing whitespace on the request line', message: plain([], `MESSAGE ${TO} SIP/2.0 `), expect: [400] },
  { name: '§3.1.2.14 badvers: SIP/7.0', message: plain([], `MESSAGE ${TO} SIP/7.0`), expect: [505] },
  { name: '§3.1.2.15 mismatch01: CSeq method differs', message: plain().replace('CSeq: 1 MESSAGE', 'CSeq: 1 OPTIONS'), expect: [400] },
  { name: '§3.1.2.16 mismatch02: unknown method, CSeq another', message: plain([], `NEWMETHOD ${TO} SIP/2.0`).replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE'), expect: [400] },
  { name: 'an escaped method name is not decoded', message: plain([], `MESS%41GE ${TO} SIP/2.0`), expect: [400] },
  { name: '§3.1.2.11 multi01: two From', message: plain(['From: <sip:other@example.com>;tag=x']), expect: [400] },
  { name: 'two To', message: plain([`To: <sip:+15550000000@127.0.0.1>`]), expect: [400] },
  { name: 'two Call-ID', message: plain(['Call-ID: second@torture.example.com']), expect: [400] },
  { name: 'two CSeq', message: plain(['CSeq: 2 MESSAGE']), expect: [400] },
  { name: 'two Max-Forwards', message: plain(['Max-Forwards: 69']), expect: [400] },
  { name: '§3.1.2.12 mcl01: two Content-Length', message: plain(['Content-Length: 3']), expect: [400] },
  {
    name: '§3.1.2.19 insuf: missing Call-ID, From and To',
    message: plain().replace(/^(From|To|Call-ID): .*\n/gm, ''),
    expect: [400],
  },
  { name: 'a NUL byte in From', message: plain().replace('From: <sip:torture', 'From: <sip:tor\u0000ture'), expect: [400] },
  { name: 'a header line without a colon', message: plain(['This line has no colon']), expect: [400] },
  {
    name: 'TCP without Content-Length is answered, not ignored (RFC 3261 §18.3)',
    message: plain().replace('Content-Length: {len}\n', ''),
    expect: [400],
    transports: ['TCP'],
  },
];

describe('SIP torture (RFC 4475, adapted to MESSAGE)', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess({
      env: {
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_ABUSE_SENDER_PER_MINUTE: '100000',
      },
    });
  });

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
  });

  async function ask(transport: Transport, bytes: Buffer): Promise<RawAnswer | undefined> {
    return transport === 'UDP' ? udpAsk(gateway.sipPort, bytes) : tcpAsk(gateway.sipPort, bytes);
  }

  async function expectHealthy(): Promise<void> {
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.httpUrl}/healthz`)).status).toBe(200);
  }

  describe.each<Transport>(['UDP', 'TCP'])('when valid messages arrive over %s', (transport) => {
    const cases = VALID.filter((c) => (c.transports ?? ['UDP', 'TCP']).includes(transport));
    it.each(cases.map((c) => [c.name, c] as const))('should parse %s', async (_name, c) => {
      const answer = await ask(transport, wire(c.message, transport, randomBytes(6).toString('hex')));
      expect(c.expect).toContain(answer?.status);
      if (answer !== undefined && answer.status >= 400) expect(answer.text).toMatch(/\r\nWarning: 399 /);
      await expectHealthy();
    });
  });

  describe.each<Transport>(['UDP', 'TCP'])('when invalid messages arrive over %s', (transport) => {
    const cases = INVALID.filter((c) => (c.transports ?? ['UDP', 'TCP']).includes(transport));
    it.each(cases.map((c) => [c.name, c] as const))('should refuse %s', async (_name, c) => {
      const answer = await ask(transport, wire(c.message, transport, randomBytes(6).toString('hex')));
      expect(c.expect).toContain(answer?.status);
      if (answer !== undefined) {
        expect(answer.reason).toMatch(/^(Bad Request|Version Not Supported): \S/);
        expect(answer.text).toMatch(/\r\nWarning: 399 [^ ]+ "GW_ERR_SIP_MALFORMED: /);
      }
      await expectHealthy();
    });
  });

  describe('when inputs meant to stall or stop the process arrive', () => {
    it('should drop a datagram of 65,000 spaces at once and stay healthy', async () => {
      const started = Date.now();
      expect(await udpAsk(gateway.sipPort, Buffer.alloc(65_000, 0x20), 300)).toBeUndefined();
      await expectHealthy();
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('should close a TCP stream of 65,000 spaces and stay healthy', async () => {
      expect(await tcpAsk(gateway.sipPort, Buffer.alloc(65_000, 0x20), 1_000)).toBeUndefined();
      await expectHealthy();
    });

    it('should answer a body over the 64 KB limit over TCP with 413 and the limit', async () => {
      const message = plain([], `MESSAGE ${TO} SIP/2.0`, 'x'.repeat(70_000));
      const answer = await tcpAsk(gateway.sipPort, wire(message, 'TCP', randomBytes(6).toString('hex')), 3_000);
      expect(answer?.status).toBe(413);
      expect(answer?.text).toMatch(/max-size=65536/);
      await expectHealthy();
    });

    it('should answer a body just under the limit over TCP (not drop it)', async () => {
      const message = plain([], `MESSAGE ${TO} SIP/2.0`, 'y'.repeat(60_000));
      const answer = await tcpAsk(gateway.sipPort, wire(message, 'TCP', randomBytes(6).toString('hex')), 3_000);
      expect(answer?.status).toBeGreaterThanOrEqual(200);
      await expectHealthy();
    });

    it('should keep CSeq 2^53 and 2^53+1 on one Call-ID from both being accepted', async () => {
      const id = randomBytes(6).toString('hex');
      const first = await udpAsk(gateway.sipPort, wire(plain().replace('CSeq: 1 MESSAGE', 'CSeq: 9007199254740992 MESSAGE'), 'UDP', id));
      const second = await udpAsk(gateway.sipPort, wire(plain().replace('CSeq: 1 MESSAGE', 'CSeq: 9007199254740993 MESSAGE').replace('z9hG4bK-{id}', 'z9hG4bK-{id}-2'), 'UDP', id));
      expect([first?.status, second?.status]).toEqual([400, 400]);
      await expectHealthy();
    });
  });
});
