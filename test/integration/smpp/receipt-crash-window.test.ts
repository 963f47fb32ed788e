/**
 * A crash between storing a part's final state and moving its delivery (found by the
 * kill -9 fault test): the receipt was never acknowledged, so the SMSC sends it again,
 * and that repeat must finish the delivery instead of being dropped as a duplicate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsHarness, until, type SmsHarness } from '../../helpers/sms-harness.js';

describe('SMS receipts across a crash', () => {
  describe('when a part is already final but its delivery was left submitted', () => {
    let h: SmsHarness;
    beforeAll(async () => {
      h = await startSmsHarness({ label: 'sms_receipt_crash', sim: { receipts: { enabled: false } } });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('moves the delivery to its final state when the receipt comes again', async () => {
      const { deliveryId } = await h.send('crash between part and delivery');
      await until(async () => (await h.ledger.getDelivery(deliveryId))?.state === 'submitted', 10_000);
      const [segment] = await h.ledger.correlations.listSegments(deliveryId);
      const [submit] = h.sim.submits;
      expect(segment).toBeDefined();
      expect(submit).toBeDefined();
      if (segment === undefined || submit === undefined) return;
      // What the first receipt had done when the process died: the part, not the delivery.
      await h.ledger.correlations.updateSegment({ segmentId: segment.id, state: 'delivered' });

      expect(await h.sim.injectReceipt({ messageId: submit.receiptMessageId, stat: 'DELIVRD' })).toBe(0);
      const [delivery] = await h.waitFinal([deliveryId], 10_000);
      expect(delivery?.state).toBe('delivered');
    });
  });
});
