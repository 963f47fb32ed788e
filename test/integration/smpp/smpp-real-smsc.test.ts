/**
 * SMPP as real SMSCs speak it (issue 16), against the project's SMSC simulator over TCP:
 * ACCEPTD as the only receipt, error answers to deliver_sm and the three retry behaviours
 * SMSCs have, receipts that arrive while Herald unbinds, a restarted SMSC that issues the
 * same ids again, and receipts that never come. In every case the simulator checks each
 * PDU Herald sends against the SMPP 3.4 lengths, and the test fails on a malformed one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dueNotifications } from '../../../src/interworking/delivery-dispositions.js';
import { finalAt } from '../../../src/dispositions/delivery-history.js';
import { failureReason } from '../../../src/dispositions/failure-reason.js';
import { heraldError } from '../../../src/errors.js';
import { RECEIPT_NEVER_CAME } from '../../../src/sms/receipt-processor.js';
import { startSmsHarness, until, type SmsHarness, type SmsHarnessOptions } from '../../helpers/sms-harness.js';

const ESME_RMSGQFUL = 0x14;
const ESME_RX_T_APPN = 0x64;

/** Makes the receipt handler fail as a database outage does, while `outage.on`. */
function withReceiptOutage(h: SmsHarness): { on: boolean } {
  const outage = { on: true };
  h.gateway.onReceipt(async (receipt) => {
    if (outage.on) throw heraldError('GW_ERR_DB_UNREACHABLE', 'test outage');
    await h.channel.receipts.handle(receipt);
  });
  return outage;
}

async function causesOf(h: SmsHarness, messageId: string): Promise<string[]> {
  return (await h.ledger.listEvents(messageId)).map((event) => event.cause);
}

describe('SMPP as real SMSCs speak it', () => {
  let h: SmsHarness | undefined;
  const start = async (options: SmsHarnessOptions): Promise<SmsHarness> => {
    h = await startSmsHarness(options);
    return h;
  };
  afterEach(async () => {
    if (h !== undefined) expect(h.sim.malformed).toEqual([]);
    await h?.close();
    h = undefined;
  });

  describe('when the SMSC sends ACCEPTD as the only receipt', () => {
    it('ends each delivery delivered (SMPP 3.4 §5.2.28: ACCEPTED is final) and owes a delivered IMDN', async () => {
      const sms = await start({ label: 'smpp_acceptd', sim: { receipts: { outcome: 'ACCEPTD' } } });
      const sent = await Promise.all([sms.send('accepted one'), sms.send('accepted two'), sms.send('z'.repeat(300))]);
      const finals = await sms.waitFinal(sent.map((s) => s.deliveryId));
      expect(finals.map((d) => d.state)).toEqual(['delivered', 'delivered', 'delivered']);
      expect(await causesOf(sms, sent[0]?.messageId ?? '')).toContain('smpp:ACCEPTD');
      const due = dueNotifications({ state: 'delivered', channel: 'sms', handedOff: true, requests: ['positive-delivery'] });
      expect(due).toEqual([expect.objectContaining({ type: 'delivery', status: 'delivered' })]);
    });

    it('keeps ACCEPTD an intermediate event on a connection with acceptedIsFinal false', async () => {
      const sms = await start({ label: 'smpp_acceptd_aggr', sim: { receipts: { outcome: 'ACCEPTD' } }, connection: { acceptedIsFinal: false } });
      const { deliveryId, messageId } = await sms.send('aggregator style');
      // An intermediate receipt moves the part, not the delivery: a final one is awaited.
      await until(
        async () => (await causesOf(sms, messageId)).includes('smpp:ACCEPTD') && (await sms.ledger.getDelivery(deliveryId))?.state === 'submitted',
        10_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await sms.ledger.getDelivery(deliveryId))?.state).toBe('submitted');
      expect((await sms.ledger.correlations.listSegments(deliveryId)).map((s) => s.state)).toEqual(['enroute']);
    });
  });

  describe('when the receipt dates have minute resolution (YYMMDDhhmm)', () => {
    it('never dates the IMDN before the message was accepted', async () => {
      const sms = await start({ label: 'smpp_done_date', sim: { receipts: { format: 'standard' } } });
      // Send well inside a minute, so the receipt's done date falls in the same one.
      const second = new Date().getUTCSeconds();
      if (second >= 55) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
      const sent = await Promise.all([sms.send('dated one'), sms.send('dated two'), sms.send('dated three')]);
      const finals = await sms.waitFinal(sent.map((s) => s.deliveryId));
      expect(finals.map((d) => d.state)).toEqual(['delivered', 'delivered', 'delivered']);
      let doneBeforeAccepted = 0;
      for (const [i, delivery] of finals.entries()) {
        const messageId = sent[i]?.messageId ?? '';
        const accepted = (await sms.ledger.getMessage(messageId))?.createdAt ?? new Date(Number.NaN);
        const events = await sms.ledger.listEvents(messageId);
        // The receipt's own done date, cut to the minute, reads earlier than the acceptance…
        const doneDate = events.map((e) => e.detail['doneDate']).find((value): value is string => typeof value === 'string');
        if (doneDate !== undefined && new Date(`${doneDate}Z`).getTime() < accepted.getTime()) doneBeforeAccepted++;
        // …but the IMDN's <datetime> (finalAt) never is.
        const datetime = finalAt(delivery, events);
        expect(datetime.getTime()).toBeGreaterThanOrEqual(accepted.getTime());
        expect(datetime.getTime() - accepted.getTime()).toBeLessThan(60_000);
      }
      // The case under test happened (a done date at hh:mm:00 after an acceptance at hh:mm:ss).
      expect(doneBeforeAccepted).toBeGreaterThan(0);
    });
  });

  describe('when Herald cannot store receipts for a while', () => {
    it('answers ESME_RMSGQFUL with a well-formed resp, and an SMSC that retries only on queue-full delivers them again', async () => {
      const sms = await start({ label: 'smpp_retry_qfull', sim: { retry: { on: 'queue-full', afterMs: 300 } } });
      const outage = withReceiptOutage(sms);
      const sent = await Promise.all([1, 2, 3, 4, 5].map((i) => sms.send(`queue full ${i}`)));
      await until(() => sms.sim.refusals.length >= 5, 10_000);
      outage.on = false;
      const finals = await sms.waitFinal(sent.map((s) => s.deliveryId));
      expect(finals.every((d) => d.state === 'delivered')).toBe(true);
      expect(new Set(sms.sim.refusals)).toEqual(new Set([ESME_RMSGQFUL]));
      expect(sms.sim.counters.lost).toBe(0);
      expect(sms.sim.counters.querySms).toBe(0);
    });

    it('loses the receipts an SMSC does not retry (ESME_RX_T_APPN to a queue-full-only SMSC) and recovers them with query_sm', async () => {
      const sms = await start({
        label: 'smpp_retry_lost',
        sim: { retry: { on: 'queue-full', afterMs: 300 } },
        connection: { inboundErrorStatus: 'ESME_RX_T_APPN' },
        smpp: { receiptOverdueMs: 1_000 },
      });
      const outage = withReceiptOutage(sms);
      const sent = await Promise.all([1, 2, 3].map((i) => sms.send(`not retried ${i}`)));
      await until(() => sms.sim.counters.lost >= 3, 10_000);
      outage.on = false;
      const finals = await sms.waitFinal(sent.map((s) => s.deliveryId), 20_000);
      expect(finals.every((d) => d.state === 'delivered')).toBe(true);
      expect(new Set(sms.sim.refusals)).toEqual(new Set([ESME_RX_T_APPN]));
      expect(sms.sim.counters.querySms).toBeGreaterThanOrEqual(3);
      expect(await causesOf(sms, sent[0]?.messageId ?? '')).toContain('smpp:query_sm:DELIVRD');
    });

    it('is delivered again by an SMSC that retries after any error', async () => {
      const sms = await start({
        label: 'smpp_retry_any',
        sim: { retry: { on: 'any', afterMs: 300 } },
        connection: { inboundErrorStatus: 'ESME_RX_T_APPN', queryOverdue: false },
      });
      const outage = withReceiptOutage(sms);
      const sent = await Promise.all([1, 2, 3].map((i) => sms.send(`any error ${i}`)));
      await until(() => sms.sim.refusals.length >= 3, 10_000);
      outage.on = false;
      const finals = await sms.waitFinal(sent.map((s) => s.deliveryId));
      expect(finals.every((d) => d.state === 'delivered')).toBe(true);
      expect(sms.sim.counters.lost).toBe(0);
      expect(await causesOf(sms, sent[0]?.messageId ?? '')).toContain('smpp:DELIVRD');
    });

    it('recovers with query_sm what an SMSC that never retries dropped', async () => {
      const sms = await start({ label: 'smpp_retry_never', sim: { retry: { on: 'never' } }, smpp: { receiptOverdueMs: 1_000 } });
      const outage = withReceiptOutage(sms);
      const sent = await Promise.all([1, 2, 3].map((i) => sms.send(`never retried ${i}`)));
      await until(() => sms.sim.counters.lost >= 3, 10_000);
      outage.on = false;
      const finals = await sms.waitFinal(sent.map((s) => s.deliveryId), 20_000);
      expect(finals.every((d) => d.state === 'delivered')).toBe(true);
      expect(new Set(sms.sim.refusals)).toEqual(new Set([ESME_RMSGQFUL]));
      expect(sms.sim.counters.querySms).toBeGreaterThanOrEqual(3);
    });
  });

  describe('when receipts arrive while Herald unbinds', () => {
    it('answers and applies every one before closing the socket', async () => {
      const sms = await start({ label: 'smpp_unbind', sim: { receipts: { holdUntilUnbind: true, unanswered: 'lost' } } });
      const sent = await Promise.all(Array.from({ length: 12 }, (_, i) => sms.send(`during unbind ${i}`)));
      await until(async () => {
        for (const { deliveryId } of sent) if ((await sms.ledger.getDelivery(deliveryId))?.state !== 'submitted') return false;
        return true;
      }, 15_000);
      expect(sms.sim.counters.receiptsSent).toBe(0);
      await sms.gateway.stop();
      expect(sms.sim.counters.receiptsSent).toBe(12);
      expect(sms.sim.counters.receiptsAcked).toBe(12);
      expect(sms.sim.counters.lost).toBe(0);
      const finals = await sms.waitFinal(sent.map((s) => s.deliveryId), 5_000);
      expect(finals.every((d) => d.state === 'delivered')).toBe(true);
    });
  });

  describe('when the SMSC restarts and issues the same ids again', () => {
    it('submits nothing twice and puts every receipt on the right message', async () => {
      const sms = await start({
        label: 'smpp_recycled',
        sim: { firstMessageId: 7_000, receipts: { beforeResp: true, beforeRespGapMs: 40, outcome: (submit) => (submit.index <= 4 ? 'DELIVRD' : 'UNDELIV') } },
      });
      const first = await Promise.all([1, 2, 3, 4].map((i) => sms.send(`before the restart ${i}`, `+4915110000${i}`)));
      expect((await sms.waitFinal(first.map((s) => s.deliveryId))).map((d) => d.state)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
      sms.sim.restart({ reuseIds: true });
      await until(() => sms.gateway.status().connections.every((c) => c.state === 'up'), 10_000);
      const second = await Promise.all([1, 2, 3, 4].map((i) => sms.send(`after the restart ${i}`, `+4915120000${i}`)));
      const finals = await sms.waitFinal(second.map((s) => s.deliveryId));
      expect(finals.map((d) => d.state)).toEqual(['failed', 'failed', 'failed', 'failed']);
      // The old messages kept their outcome; nothing was submitted again.
      for (const { deliveryId } of first) expect((await sms.ledger.getDelivery(deliveryId))?.state).toBe('delivered');
      expect(sms.sim.submits).toHaveLength(8);
      expect(sms.sim.counters.duplicates).toBe(0);
      const oldIds = new Set(sms.sim.submits.slice(0, 4).map((s) => s.messageId));
      expect(sms.sim.submits.slice(4).every((s) => oldIds.has(s.messageId))).toBe(true);
      await until(async () => (await sms.ledger.heldReceipts.count()) === 0, 5_000);
      // Each receipt was held (it beat its resp, and its id named an older, final part)
      // and applied once: one receipt event per message, none counted as a duplicate.
      for (const { messageId } of second) expect((await sms.ledger.listEvents(messageId)).filter((e) => e.type === 'receipt')).toHaveLength(1);
      const duplicates = (await sms.metrics.smsReceipts.get()).values.find((v) => v.labels.outcome === 'duplicate')?.value ?? 0;
      expect(duplicates).toBe(0);
    });
  });

  describe('when a receipt never comes', () => {
    it('asks with query_sm, and ends what is still open after the validity period expired with a reason', async () => {
      const sms = await start({
        label: 'smpp_overdue',
        sim: {
          // Odd submits: delivered, but the SMSC loses the receipt. Even ones: never final.
          receipts: { outcome: (submit) => (submit.index % 2 === 1 ? 'DELIVRD' : undefined), lose: () => true },
        },
        smpp: { receiptOverdueMs: 1_000, receiptExpiryMs: 4_000 },
      });
      const lost = await sms.send('receipt lost by the SMSC');
      const open = await sms.send('never reaches the handset');
      const [delivered, expired] = await sms.waitFinal([lost.deliveryId, open.deliveryId], 20_000);
      expect(delivered?.state).toBe('delivered');
      expect(await causesOf(sms, lost.messageId)).toContain('smpp:query_sm:DELIVRD');
      expect(expired?.state).toBe('expired');
      expect(expired?.errorCode).toBe(RECEIPT_NEVER_CAME);
      const events = await sms.ledger.listEvents(open.messageId);
      expect(events.find((e) => e.type === 'receipt-overdue')).toMatchObject({ cause: RECEIPT_NEVER_CAME, detail: { queried: true, validityMs: 4_000 } });
      expect(events.some((e) => e.cause === 'smpp:query_sm:ENROUTE')).toBe(true);
      if (expired === undefined) return;
      expect(failureReason(expired, events).reason).toMatch(/no delivery receipt within the validity period/);
      expect(dueNotifications({ state: 'expired', channel: 'sms', handedOff: true, requests: ['positive-delivery', 'negative-delivery'] })).toEqual([
        expect.objectContaining({ type: 'delivery', status: 'failed' }),
      ]);
    });
  });
});

describe('SMSC simulator retry behaviour for MO', () => {
  let h: SmsHarness;
  beforeAll(async () => {
    h = await startSmsHarness({ label: 'smpp_mo_retry', sim: { retry: { on: 'queue-full', afterMs: 200 } } });
    await h.ledger.directory.upsert({ imUri: 'sip:bob@example.com', msisdn: '+4915100000002', archiveEnabled: false });
  });
  afterAll(async () => {
    expect(h?.sim.malformed).toEqual([]);
    await h?.close();
  });

  it('offers an MO refused with ESME_RMSGQFUL again and it is recorded once', async () => {
    let refuse = 2;
    h.gateway.onMo(async (mo) => {
      if (refuse-- > 0) throw heraldError('GW_ERR_DB_UNREACHABLE', 'test outage');
      await h.channel.mo.handle(mo);
    });
    const statuses = await h.sim.injectMo({ source: '4917612345678', destination: '4915100000002', text: 'MO during an outage' });
    expect(statuses).toEqual([0]);
    expect(h.sim.refusals).toEqual([ESME_RMSGQFUL, ESME_RMSGQFUL]);
    const recorded = (await h.metrics.smsMo.get()).values.find((v) => v.labels.outcome === 'delivered')?.value ?? 0;
    expect(recorded).toBe(1);
  });
});
