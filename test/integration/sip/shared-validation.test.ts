/**
 * Both edges refuse the same malformed requests with the same answer: the strict checks
 * live in adapters/sip/shared/validate-request.ts and run in dispatchRequest. Here the
 * drachtio edge (through the drachtio-server double) and the standalone edge (raw UDP) get
 * the same inputs; the core's handler never sees them.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDrachtioEdge } from '../../../adapters/sip/drachtio/index.js';
import { createStandaloneEdge } from '../../../adapters/sip/standalone/index.js';
import { configSchema } from '../../../src/config.js';
import type { SipEdge, SipRequestHandler } from '../../../src/ports/sip-edge.port.js';
import { DrachtioServerDouble } from '../../helpers/drachtio-server-double.js';
import { udpAsk } from '../../helpers/sip-raw.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });
const SECRET = 'validation-secret';

function raw(extra: string[], cseq = '3 MESSAGE'): Buffer {
  const body = 'hello';
  return Buffer.from(
    [
      'MESSAGE sip:+15551234567@127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-v1',
      'From: "Alice" <sip:alice@example.com>;tag=a1',
      'To: <sip:+15551234567@127.0.0.1>',
      `Call-ID: v-${Math.random().toString(36).slice(2)}@test`,
      `CSeq: ${cseq}`,
      'Content-Type: text/plain',
      ...extra,
      `Content-Length: ${body.length}`,
      '',
      body,
    ].join('\r\n'),
    'latin1',
  );
}

const unterminatedQuote = Buffer.from(raw([]).toString('latin1').replace('To: <sip', 'To: "Mr. J. User <sip'), 'latin1');

const CASES: readonly (readonly [string, Buffer])[] = [
  ['a second From', raw(['From: <sip:mallory@example.com>;tag=m'])],
  ['a second Call-ID', raw(['Call-ID: second@test'])],
  ['CSeq 2^53', raw([], '9007199254740992 MESSAGE')],
  ['a CSeq method other than the request method', raw([], '3 OPTIONS')],
  ['an unterminated quote in To', unterminatedQuote],
];

describe('shared SIP validation', () => {
  let handled = 0;
  const handler: SipRequestHandler = async () => {
    handled++;
    return { status: 202, reason: 'Accepted' };
  };
  let edge: SipEdge | undefined;
  let double: DrachtioServerDouble | undefined;

  beforeEach(() => {
    handled = 0;
  });

  afterEach(async () => {
    await edge?.stop();
    edge = undefined;
    await double?.close();
    double = undefined;
  });

  describe.each(CASES)('when a request has %s', (_name, bytes) => {
    it('should be refused 400 by the drachtio edge without reaching the core', async () => {
      double = new DrachtioServerDouble(SECRET);
      const port = await double.listen();
      edge = createDrachtioEdge(configSchema.parse({ sip: { edge: 'drachtio', drachtio: { secret: SECRET, mode: 'inbound', port } } }).sip, log);
      await edge.start(handler);
      await double.whenAuthenticated();
      const response = await double.inject(bytes);
      expect(response.text).toMatch(/^SIP\/2\.0 400 Bad Request: /);
      expect(response.text).toMatch(/\r\nWarning: 399 [^ ]+ "GW_ERR_SIP_MALFORMED: /i);
      expect(handled).toBe(0);
    });

    it('should be refused 400 by the standalone edge without reaching the core', async () => {
      const standalone = createStandaloneEdge(configSchema.parse({ sip: { port: 0 } }).sip, log);
      edge = standalone;
      await standalone.start(handler);
      const answer = await udpAsk(standalone.address().port, bytes);
      expect(answer?.status).toBe(400);
      expect(answer?.text).toMatch(/\r\nWarning: 399 [^ ]+ "GW_ERR_SIP_MALFORMED: /);
      expect(handled).toBe(0);
    });
  });
});
