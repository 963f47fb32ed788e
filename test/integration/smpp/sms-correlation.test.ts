/**
 * Receipts that must still find their message: ids spelled differently in the resp and
 * the receipt, and receipts that arrive before the submit_sm_resp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmppGateway } from '../../../adapters/smpp/index.js';
import { Metrics } from '../../../src/metrics.js';
import { createSmsChannel } from '../../../src/sms/index.js';
import { ReceiptProcessor } from '../../../src/sms/receipt-processor.js';
import { startSmsHarness, until, type SmsHarness } from '../../helpers/sms-harness.js';

async function counter(h: SmsHarness, outcome: string): Promise<number> {
  return (await h.metrics.smsReceipts.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe('SMS receipt correlation', () => {
  describe('when the SMSC answers hex ids and reports decimal ones', () => {
    let h: SmsHarness;
    beforeAll(async () => {
      h = await startSmsHarness({
        label: 'sms_hex_ids',
        sim: { idFormat: 'hex', receiptIdFormat: 'decimal' },
        connection: { messageIdMode: { resp: 'hex-to-decimal', receipt: 'as-is' } },
      });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('matches them with the configured messageIdMode and ends delivered', async () => {
      const { deliveryId } = await h.send('hex in the resp, decimal in the receipt');
      const [delivery] = await h.waitFinal([deliveryId]);
      expect(delivery?.state).toBe('delivered');
      const [submit] = h.sim.submits;
      expect(submit?.messageId).toMatch(/^[0-9A-F]{8}$/);
      const [segment] = await h.ledger.correlations.listSegments(deliveryId);
      expect(segment?.smscMessageId).toBe(submit?.receiptMessageId);
      // A receipt racing its own resp may be held for a moment; none stays held.
      await until(async () => (await h.ledger.heldReceipts.count()) === 0, 5_000);
    });

    it('matches every part of a long message', async () => {
      const { deliveryId } = await h.send('x'.repeat(400));
      const [delivery] = await h.waitFinal([deliveryId]);
      expect(delivery?.state).toBe('delivered');
      expect(await h.ledger.correlations.listSegments(deliveryId)).toHaveLength(3);
    });
  });

  describe('when the receipt comes before the submit_sm_resp', () => {
    let h: SmsHarness;
    beforeAll(async () => {
      h = await startSmsHarness({ label: 'sms_receipt_first', sim: { receipts: { beforeResp: true, beforeRespGapMs: 60 } } });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('holds the receipt, matches it once the id is stored, and ends delivered', async () => {
      const ids = await Promise.all([h.send('receipt first'), h.send('y'.repeat(300))]);
      const finals = await h.waitFinal(ids.map((i) => i.deliveryId));
      expect(finals.map((d) => d.state)).toEqual(['delivered', 'delivered']);
      expect(await counter(h, 'held')).toBeGreaterThanOrEqual(1);
      await until(async () => (await h.ledger.heldReceipts.count()) === 0, 5_000);
      expect(await counter(h, 'late-matched')).toBe(await counter(h, 'held'));
    });
  });

  describe('when another node sweeps the held receipts at the same time', () => {
    let h: SmsHarness;
    beforeAll(async () => {
      h = await startSmsHarness({ label: 'sms_held_two_sweeps', sim: { receipts: { beforeResp: true, beforeRespGapMs: 60 } } });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('applies each held receipt once: one receipt event per message, none counted as a duplicate', async () => {
      // The other node: its own receipt processor on the same ledger, sweeping far more
      // often than the harness's (200 ms), while this node's holder and submit worker race it.
      const otherMetrics = new Metrics({ defaults: false });
      const other = new ReceiptProcessor({ ledger: h.ledger, smpp: h.config.smpp, metrics: otherMetrics, log: h.log });
      let sweeping = true;
      const sweeps = (async () => {
        while (sweeping) {
          await other.sweep();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      try {
        const sent = await Promise.all(Array.from({ length: 12 }, (_, i) => h.send(`held ${i}`, `+4915130000${String(i).padStart(2, '0')}`)));
        const finals = await h.waitFinal(sent.map((s) => s.deliveryId));
        expect(finals.every((d) => d.state === 'delivered')).toBe(true);
        await until(async () => (await h.ledger.heldReceipts.count()) === 0, 5_000);
        for (const { messageId } of sent) expect((await h.ledger.listEvents(messageId)).filter((e) => e.type === 'receipt')).toHaveLength(1);
      } finally {
        sweeping = false;
        await sweeps;
      }
      const count = async (metrics: Metrics, outcome: string): Promise<number> =>
        (await metrics.smsReceipts.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
      expect(await count(h.metrics, 'held')).toBeGreaterThanOrEqual(1);
      expect((await count(h.metrics, 'duplicate')) + (await count(otherMetrics, 'duplicate'))).toBe(0);
      expect((await count(h.metrics, 'late-matched')) + (await count(otherMetrics, 'late-matched'))).toBe(await count(h.metrics, 'held'));
    });
  });

  describe('when receipts come back on another bind or another node', () => {
    let h: SmsHarness;
    beforeAll(async () => {
      // Receipts only when the test injects them, so it decides where they arrive.
      h = await startSmsHarness({
        label: 'sms_other_bind',
        sim: { receipts: { enabled: false } },
        connection: { bindMode: 'transmitter+receiver', binds: 1 },
      });
    });
    afterAll(async () => {
      await h?.close();
    });

    async function submitted(text: string, to: string): Promise<{ deliveryId: string; receiptId: string }> {
      const { deliveryId } = await h.send(text, to);
      await until(async () => (await h.ledger.getDelivery(deliveryId))?.state === 'submitted');
      const submit = h.sim.submits.find((s) => s.destination === to.slice(1));
      return { deliveryId, receiptId: submit?.receiptMessageId ?? '' };
    }

    it('matches a receipt delivered on the receiver bind of a transmitter+receiver pair', async () => {
      expect(h.gateway.status().connections[0]?.binds.map((b) => b.mode)).toEqual(['transmitter', 'receiver']);
      const { deliveryId, receiptId } = await submitted('sent on tx, receipt on rx', '+4915199990001');
      await h.sim.injectReceipt({ messageId: receiptId, stat: 'DELIVRD' });
      const [delivery] = await h.waitFinal([deliveryId]);
      expect(delivery?.state).toBe('delivered');
    });

    it('matches a receipt that reaches a second gateway node through the ledger', async () => {
      const nodeB = createSmppGateway(h.config.smpp, h.log);
      createSmsChannel({ config: h.config, ledger: h.ledger, jobs: h.jobs, gateway: nodeB, metrics: h.metrics, log: h.log });
      try {
        await nodeB.start();
        await until(() => nodeB.status().connections[0]?.state === 'up');
        const { deliveryId, receiptId } = await submitted('submitted by node A', '+4915199990002');
        // Node A's binds go away: the SMSC can only reach node B now.
        await h.gateway.stop();
        await h.sim.injectReceipt({ messageId: receiptId, stat: 'UNDELIV', err: 12 });
        const [delivery] = await h.waitFinal([deliveryId]);
        expect(delivery?.state).toBe('failed');
        expect(delivery?.errorCode).toBe('smpp:12');
      } finally {
        await nodeB.stop();
      }
    });
  });
});
