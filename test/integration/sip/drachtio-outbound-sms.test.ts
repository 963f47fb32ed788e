/**
 * Issue 15, finding 12, end to end on the SMS side: a mobile-originated SMS from the SMSC
 * simulator goes through the MO processor and the sip-deliver job to the drachtio edge in
 * outbound mode, right after one side restarted and before any SIP request came in. Before
 * the fix each such delivery failed with 503 ("did not send ... assert(typeSocket(socket))")
 * until some SIP request arrived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDrachtioEdge } from '../../../adapters/sip/drachtio/index.js';
import { findFreeSipPort } from '../../../adapters/sip/standalone/free-port.js';
import { configSchema } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import type { SipEdge, SipRequestHandler } from '../../../src/ports/sip-edge.port.js';
import { DrachtioServerDouble } from '../../helpers/drachtio-server-double.js';
import { startSmsHarness, until, type SmsHarness } from '../../helpers/sms-harness.js';

const SECRET = 'test-secret';
const BOB_MSISDN = '4915100000002';
const MOBILE = '4917612345678';
const log = createLogger((process.env.HERALD_TEST_LOG as 'info' | undefined) ?? 'silent');

describe('SMS→IM through the drachtio edge in outbound mode', () => {
  let double: DrachtioServerDouble;
  let adminPort: number;
  let listenPort: number;
  let current: SipEdge;
  let h: SmsHarness;
  const noRequests: SipRequestHandler = async () => ({ status: 405, reason: 'Method Not Allowed' });

  function newEdge(): SipEdge {
    const sip = configSchema.parse({
      sip: { edge: 'drachtio', sendTimeoutMs: 4_000, drachtio: { mode: 'outbound', port: listenPort, adminPort, secret: SECRET } },
    }).sip;
    return createDrachtioEdge(sip, log);
  }

  /** What sip-deliver holds: the edge of the moment, so the edge can restart under it. */
  const edge: SipEdge = {
    start: (handler) => current.start(handler),
    send: (message) => current.send(message),
    isReady: () => current.isReady(),
    stop: () => current.stop(),
  };

  async function relayedToDouble(text: string): Promise<number> {
    const statuses = await h.sim.injectMo({ source: MOBILE, destination: BOB_MSISDN, text });
    expect(statuses).toEqual([0]);
    const carrying = () => double.requests.filter((r) => r.raw.includes(Buffer.from(text, 'utf8')));
    await until(() => carrying().length > 0, 15_000);
    return carrying().length;
  }

  async function sipOutcomes(): Promise<Record<string, number>> {
    const values = (await h.metrics.sipSent.get()).values;
    return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
  }

  beforeAll(async () => {
    double = new DrachtioServerDouble(SECRET);
    adminPort = await double.listen();
    listenPort = await findFreeSipPort('127.0.0.1');
    current = newEdge();
    await current.start(noRequests);
    h = await startSmsHarness({ label: 'drachtio_outbound_sms', sipEdge: edge });
    await h.ledger.directory.upsert({ imUri: 'sip:bob@198.51.100.9', msisdn: `+${BOB_MSISDN}`, archiveEnabled: false });
  });

  afterAll(async () => {
    await h?.close();
    await current?.stop();
    await double?.close();
  });

  describe('when Herald\'s edge restarts', () => {
    it('should relay the first SMS at once, with no SIP request before it', async () => {
      await current.stop();
      current = newEdge();
      await current.start(noRequests);

      expect(await relayedToDouble('first after Herald restarted')).toBe(1);
      await until(async () => (await sipOutcomes()).delivered === 1);
      expect((await sipOutcomes()).retry ?? 0).toBe(0);
      expect(double.received.some((frame) => frame.type === 'sip' && frame.tokens[0] !== '')).toBe(false);
    });
  });

  describe('when drachtio-server restarts', () => {
    it('should relay the first SMS through the new drachtio-server without a retry', async () => {
      await double.close();
      double = new DrachtioServerDouble(SECRET);
      await double.listen(adminPort);

      expect(await relayedToDouble('first after drachtio-server restarted')).toBe(1);
      await until(async () => (await sipOutcomes()).delivered === 2);
      expect((await sipOutcomes()).retry ?? 0).toBe(0);
    });
  });
});
