/**
 * Mobile-originated SMS from the simulator over TCP to an IM user: reassembled, decoded,
 * recorded, and sent as a SIP MESSAGE (standalone SIP edge) to a sipp UAS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../../adapters/sip/standalone/index.js';
import { configSchema } from '../../../src/config.js';
import { planSms } from '../../../src/codecs/sms-segments.js';
import { createLogger } from '../../../src/logger.js';
import { MO_GAP_MARKER } from '../../../src/sms/mo-concat.js';
import { runSipp, type SippRun } from '../../helpers/sipp.js';
import { startSmsHarness, until, type SmsHarness } from '../../helpers/sms-harness.js';

const BOB_MSISDN = '4915100000002';
const MOBILE = '4917612345678';

const SINGLE = 'Hi Bob, this is a plain SMS reply.';
const CONCATENATED = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ') + ' {brackets} and € at the end';
const SAR = 'S'.repeat(150) + ' sent with SAR TLVs ' + 'T'.repeat(100);
const UCS2 = 'Привет, Боб! 👋 Как дела? Это длинное сообщение на русском языке, чтобы получилось две части.';
const PARTIAL = planSms('first part. '.repeat(14) + 'middle part. '.repeat(12) + 'last part.', { reference: 77 });

/** How sipp's latin-1 trace shows a UTF-8 body. */
const onWire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

async function moCount(h: SmsHarness, outcome: string): Promise<number> {
  return (await h.metrics.smsMo.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe('MO SMS to an IM user', () => {
  let h: SmsHarness;
  let edge: StandaloneSipEdge;
  let sipp: SippRun;

  beforeAll(async () => {
    const sip = configSchema.parse({ sip: { port: 0, transports: ['udp'], sendTimeoutMs: 4_000 } }).sip;
    edge = createStandaloneEdge(sip, createLogger('silent'));
    await edge.start(async () => ({ status: 200, reason: 'OK' }));
    sipp = await runSipp({ scenario: 'uas-message-200.xml', calls: 5, timeoutMs: 30_000 });
    await sipp.started;
    h = await startSmsHarness({ label: 'sms_mo', sipEdge: edge, smpp: { moReassemblyTimeoutMs: 1_500 } });
    await h.ledger.directory.upsert({ imUri: `sip:bob@127.0.0.1:${sipp.port}`, msisdn: `+${BOB_MSISDN}`, archiveEnabled: false });
  });

  afterAll(async () => {
    sipp?.kill();
    await h?.close();
    await edge?.stop();
  });

  it('relays single, concatenated (UDH and SAR, out of order), UCS-2 and timed-out partial SMS as MESSAGEs with the right text', async () => {
    const statuses = [
      ...(await h.sim.injectMo({ source: MOBILE, destination: BOB_MSISDN, text: SINGLE })),
      ...(await h.sim.injectMo({ source: MOBILE, destination: BOB_MSISDN, text: CONCATENATED, reverse: true, reference: 11 })),
      ...(await h.sim.injectMo({ source: MOBILE, destination: BOB_MSISDN, text: SAR, segmentation: 'sar', reference: 12 })),
      ...(await h.sim.injectMo({ source: MOBILE, destination: BOB_MSISDN, text: UCS2, segmentation: 'udh16', reference: 13 })),
    ];
    // Parts 1 and 3 of 3 only: the timeout delivers them with a marker for part 2.
    for (const part of [PARTIAL.parts[0], PARTIAL.parts[2]]) {
      statuses.push(
        await h.sim.injectDeliverSm({
          source_addr_ton: 1,
          source_addr_npi: 1,
          source_addr: MOBILE,
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: BOB_MSISDN,
          esm_class: part?.esmClass ?? 0,
          data_coding: part?.dataCoding ?? 0,
          short_message: part?.shortMessage ?? Buffer.alloc(0),
        }),
      );
    }
    // Every deliver_sm was answered OK, each only once it was stored.
    expect(statuses.every((status) => status === 0)).toBe(true);
    expect(UCS2.length).toBeGreaterThan(70);

    const result = await sipp.done;
    expect(result.exitCode, result.errors).toBe(0);
    const partial = `${PARTIAL.parts[0]?.text ?? ''}${MO_GAP_MARKER}${PARTIAL.parts[2]?.text ?? ''}`;
    for (const text of [SINGLE, CONCATENATED, SAR, UCS2, partial]) expect(result.messages).toContain(onWire(text));
    expect(result.messages).toContain(`From: <sip:+${MOBILE}@gw.example.com;user=phone>`);
    expect(await moCount(h, 'delivered')).toBe(4);
    expect(await moCount(h, 'incomplete')).toBe(1);
    await until(async () => ((await h.metrics.sipSent.get()).values.find((v) => v.labels.outcome === 'delivered')?.value ?? 0) === 5);
  });

  it('acknowledges, logs and counts an SMS for a number no IM user has', async () => {
    const statuses = await h.sim.injectMo({ source: MOBILE, destination: '4915100009999', text: 'anyone there?' });
    expect(statuses).toEqual([0]);
    expect(await moCount(h, 'unknown-destination')).toBe(1);
  });
});
