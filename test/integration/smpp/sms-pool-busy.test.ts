/**
 * Receipts while the ledger's pool has no connection free (issue 16: "a pool-acquisition
 * timeout is reported as database unreachable"): against a real PostgreSQL, a receipt
 * processor on a pool of one held by an open transaction fails with GW_ERR_DB_BUSY, each
 * deliver_sm is answered with a well-formed ESME_RMSGQFUL as for an unreachable database,
 * and once the pool is free the SMSC's redelivery is applied.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { connectLedger, type LedgerConnection } from '../../../src/ledger/connect.js';
import { KyselyLedger } from '../../../src/ledger/kysely-ledger.js';
import { ReceiptProcessor } from '../../../src/sms/receipt-processor.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { startSmsHarness, until, type SmsHarness } from '../../helpers/sms-harness.js';

const ESME_RMSGQFUL = 0x14;

describe('SMS receipts while the ledger pool is busy', () => {
  let db: TestDatabase | undefined;
  let h: SmsHarness | undefined;
  let busy: LedgerConnection | undefined;
  let release = (): void => undefined;
  let holding: Promise<void> | undefined;

  afterEach(async () => {
    release();
    await holding?.catch(() => undefined);
    await busy?.db.destroy();
    await h?.close();
    await db?.drop();
    h = undefined;
    busy = undefined;
    db = undefined;
  });

  it('answers ESME_RMSGQFUL while no connection is free (GW_ERR_DB_BUSY) and applies the redelivered receipts after', async () => {
    db = await createTestDatabase('sms_pool_busy');
    const sms = await startSmsHarness({ label: 'sms_pool_busy', databaseUrl: db.url, sim: { retry: { on: 'queue-full', afterMs: 300 } } });
    h = sms;
    // This node's receipts go through a pool of one whose only connection a long
    // transaction holds; waiting 200 ms for it keeps each refusal quick.
    busy = await connectLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 1, connectTimeoutMs: 200 }, sms.log);
    const processor = new ReceiptProcessor({ ledger: new KyselyLedger(busy, sms.log), smpp: sms.config.smpp, metrics: sms.metrics, log: sms.log });
    const codes: string[] = [];
    sms.gateway.onReceipt(async (receipt) => {
      try {
        await processor.handle(receipt);
      } catch (err) {
        codes.push(isHeraldError(err) ? err.code : String(err));
        throw err;
      }
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let began = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      began = resolve;
    });
    holding = busy.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      began();
      await released;
    });
    await held;

    const sent = await Promise.all([1, 2, 3].map((i) => sms.send(`pool busy ${i}`)));
    await until(() => sms.sim.refusals.length >= 3, 15_000);
    release();
    const finals = await sms.waitFinal(sent.map((s) => s.deliveryId));

    expect(finals.map((d) => d.state)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(codes.length).toBeGreaterThanOrEqual(3);
    expect(new Set(codes)).toEqual(new Set(['GW_ERR_DB_BUSY']));
    expect(new Set(sms.sim.refusals)).toEqual(new Set([ESME_RMSGQFUL]));
    expect(sms.sim.malformed).toEqual([]);
    expect(sms.sim.counters.lost).toBe(0);
    for (const { messageId } of sent) expect((await sms.ledger.listEvents(messageId)).filter((e) => e.type === 'receipt')).toHaveLength(1);
  });
});
