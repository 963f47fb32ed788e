/**
 * A database outage while receipts and MO arrive (issue 16): Herald on a private
 * PostgreSQL that the test stops for several seconds while the simulator delivers receipts
 * and MO SMS. Every deliver_sm is answered with a well-formed ESME_RMSGQFUL (the simulator
 * checks each PDU against SMPP 3.4 lengths), the simulator, retrying only on queue-full as
 * most SMSCs do, delivers them again, and afterwards every receipt is applied and every MO
 * recorded exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivateService } from '../../helpers/private-services.js';
import { startSmsHarness, until, type SmsHarness } from '../../helpers/sms-harness.js';

const ESME_RMSGQFUL = 0x14;
const BOB = '+4915100000002';

describe('SMS during a database outage', () => {
  let pg: PrivateService;
  let h: SmsHarness;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    h = await startSmsHarness({
      label: 'sms_db_outage',
      databaseUrl: pg.url,
      sim: { retry: { on: 'queue-full', afterMs: 500 }, receipts: { delayMs: 1_500 }, moResponseTimeoutMs: 15_000 },
      // query_sm must not be what saves them: the SMSC's redelivery is under test.
      connection: { queryOverdue: false },
    });
    await h.ledger.directory.upsert({ imUri: 'sip:bob@example.com', msisdn: BOB, archiveEnabled: false });
  }, 90_000);
  afterAll(async () => {
    await h?.close().catch(() => undefined);
    await pg?.destroy();
  });

  it('applies every receipt and records every MO once after the outage', async () => {
    const sent = await Promise.all(Array.from({ length: 6 }, (_, i) => h.send(`receipt during the outage ${i}`, `+4915130000${i}`)));
    await until(async () => {
      for (const { deliveryId } of sent) if ((await h.ledger.getDelivery(deliveryId))?.state !== 'submitted') return false;
      return true;
    }, 15_000);
    // The receipts are due about 1.5 s after their submits: the database goes first.
    await pg.stop('graceful');
    const mo = Promise.all([
      h.sim.injectMo({ source: '4917612345001', destination: BOB.slice(1), text: 'first MO while the database is down' }),
      h.sim.injectMo({ source: '4917612345002', destination: BOB.slice(1), text: 'second MO while the database is down' }),
    ]);
    await until(() => h.sim.refusals.length >= 6, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await pg.start();

    const statuses = await mo;
    expect(statuses).toEqual([[0], [0]]);
    const finals = await h.waitFinal(sent.map((s) => s.deliveryId), 30_000);
    expect(finals.every((d) => d.state === 'delivered')).toBe(true);
    expect(h.sim.malformed).toEqual([]);
    expect(h.sim.counters.lost).toBe(0);
    expect(new Set(h.sim.refusals)).toEqual(new Set([ESME_RMSGQFUL]));
    expect(h.sim.counters.receiptsAcked).toBe(6);
    const recorded = (await h.metrics.smsMo.get()).values.find((v) => v.labels.outcome === 'delivered')?.value ?? 0;
    expect(recorded).toBe(2);
    for (const { messageId } of sent) {
      const receipts = (await h.ledger.listEvents(messageId)).filter((e) => e.type === 'receipt');
      expect(receipts).toHaveLength(1);
    }
  }, 90_000);
});
