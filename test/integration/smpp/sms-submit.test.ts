/**
 * SMS submit over TCP against the SMSC simulator: parts as planned, reassembled to the
 * original text, receipts merged into the delivery's final state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSmsText } from '../../../src/codecs/sms-segments.js';
import type { SubmitRecord } from '../../sim/smsc-sim.js';
import { recordSmsMessage } from '../../helpers/ledger-fixtures.js';
import { IM_SENDER, IM_SENDER_MSISDN, startSmsHarness, until, type SmsHarness } from '../../helpers/sms-harness.js';

/** The parts the simulator accepted for one destination, in seq order. */
function partsFor(h: SmsHarness, destination: string): SubmitRecord[] {
  return h.sim.submits
    .filter((s) => s.destination === destination.replace(/^\+/, ''))
    .sort((a, b) => (a.concat?.seq ?? a.sar?.seq ?? 1) - (b.concat?.seq ?? b.sar?.seq ?? 1));
}

/** Joins the user data of the parts and decodes once, as a handset does. */
function reassemble(parts: readonly SubmitRecord[]): string {
  const bodies = parts.map((p) => (p.concat === undefined ? p.bytes : p.bytes.subarray(p.concat.udhLength)));
  return decodeSmsText(Buffer.concat(bodies), parts[0]?.dataCoding ?? 0);
}

let seq = 0;
const nextNumber = (): string => `+4917000${String(++seq).padStart(5, '0')}`;

describe('SMS submit over SMPP', () => {
  let h: SmsHarness;

  beforeAll(async () => {
    h = await startSmsHarness({
      label: 'sms_submit',
      sim: {
        receipts: {
          // The destination's last digit picks the outcome, so one simulator serves every case.
          outcome: (submit) => {
            const last = submit.destination.slice(-1);
            if (submit.destination.startsWith('4919')) return submit.concat?.seq === 2 ? { stat: 'UNDELIV', err: 7 } : 'DELIVRD';
            if (submit.destination.startsWith('4916')) return undefined; // receipts injected by the test
            if (submit.destination.startsWith('4918')) {
              return { stat: ({ '1': 'UNDELIV', '2': 'EXPIRED', '3': 'REJECTD', '4': 'DELIVRD' } as const)[last as '1'] ?? 'DELIVRD', err: 34 };
            }
            return 'DELIVRD';
          },
        },
      },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('when the first run starts from the facts recording kept (as after ingress)', () => {
    const recordKept = async (to: string): Promise<string> => {
      const { deliveryIds } = await recordSmsMessage(h.ledger, { to: [to], text: 'kept facts', senderUri: IM_SENDER, inBatchJob: true });
      return deliveryIds[0] ?? '';
    };

    it('sends from them, from the sender\'s directory number they carry', async () => {
      const to = nextNumber();
      const deliveryId = await recordKept(to);
      await h.jobs.enqueue('sms-submit', { deliveryId }, { jobId: deliveryId });
      const [delivery] = await h.waitFinal([deliveryId]);
      expect(delivery?.state).toBe('delivered');
      expect(partsFor(h, to).map((p) => p.source)).toEqual([IM_SENDER_MSISDN.slice(1)]);
      // Taken by that run: a retry or another node reads the ledger.
      expect(h.ledger.takeRecorded(deliveryId)).toBeUndefined();
    });

    it('goes back to the ledger when the delivery moved since, and sends nothing for a final one', async () => {
      const to = nextNumber();
      const deliveryId = await recordKept(to);
      // E.g. cancelled by an admin between ingress and the job: the kept facts still say accepted.
      await h.ledger.transition({ deliveryId, to: 'cancelled', cause: 'test', expectedVersion: 1 });
      await h.jobs.enqueue('sms-submit', { deliveryId }, { jobId: deliveryId });
      await until(async () => (await h.jobs.queue('sms-submit').getJob(deliveryId))?.finishedOn !== undefined);
      expect((await h.jobs.queue('sms-submit').getJob(deliveryId))?.failedReason).toBeUndefined();
      expect(partsFor(h, to)).toEqual([]);
      const delivery = await h.ledger.getDelivery(deliveryId);
      expect(delivery?.state).toBe('cancelled');
      expect(delivery?.version).toBe(2);
    });
  });

  describe('when texts of the boundary lengths are sent', () => {
    const cases: ReadonlyArray<readonly [string, string, number, number]> = [
      ['160 GSM-7 characters', 'a'.repeat(160), 1, 0],
      ['161 GSM-7 characters', 'b'.repeat(161), 2, 0],
      ['70 UCS-2 characters', 'ж'.repeat(70), 1, 8],
      ['71 UCS-2 characters', 'ж'.repeat(71), 2, 8],
      ['an extension character at a part boundary', `${'c'.repeat(152)}€${'d'.repeat(20)}`, 2, 0],
      ['emoji', `Hello 👋 from Herald 🎉 ${'e'.repeat(70)}`, 2, 8],
      ['a 5-part message', Array.from({ length: 5 * 153 - 10 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''), 5, 0],
    ];

    for (const [name, text, parts, dataCoding] of cases) {
      it(`sends ${name} as ${parts} part(s) that reassemble to the text, and ends delivered`, async () => {
        const to = nextNumber();
        const { deliveryId } = await h.send(text, to);
        const [delivery] = await h.waitFinal([deliveryId]);
        expect(delivery?.state).toBe('delivered');
        const submitted = partsFor(h, to);
        expect(submitted).toHaveLength(parts);
        expect(submitted.every((p) => p.dataCoding === dataCoding)).toBe(true);
        expect(submitted.every((p) => p.source === IM_SENDER_MSISDN.slice(1))).toBe(true);
        if (parts > 1) expect(submitted.map((p) => p.concat?.seq)).toEqual(Array.from({ length: parts }, (_, i) => i + 1));
        expect(reassemble(submitted)).toBe(text);
        const segments = await h.ledger.correlations.listSegments(deliveryId);
        expect(segments.map((s) => s.state)).toEqual(Array.from({ length: parts }, () => 'delivered'));
      });
    }

    it('keeps the extension character whole at the boundary (escape and char in one part)', async () => {
      const to = nextNumber();
      const { deliveryId } = await h.send(`${'c'.repeat(152)}€${'d'.repeat(20)}`, to);
      await h.waitFinal([deliveryId]);
      const [first, second] = partsFor(h, to);
      expect(first?.text).toBe('c'.repeat(152));
      expect(second?.text?.startsWith('€')).toBe(true);
    });
  });

  describe('when receipts report each outcome', () => {
    const outcomes: ReadonlyArray<readonly [string, string, string]> = [
      ['UNDELIV', '+491800000001', 'failed'],
      ['EXPIRED', '+491800000002', 'expired'],
      ['REJECTD', '+491800000003', 'rejected'],
      ['DELIVRD', '+491800000004', 'delivered'],
    ];
    for (const [stat, to, state] of outcomes) {
      it(`ends ${state} on ${stat}, keeping the error code`, async () => {
        const { deliveryId, messageId } = await h.send(`outcome ${stat}`, to);
        const [delivery] = await h.waitFinal([deliveryId]);
        expect(delivery?.state).toBe(state);
        if (state === 'delivered') {
          expect(delivery?.errorCode).toBeUndefined();
        } else {
          expect(delivery?.errorCode).toBe('smpp:34');
          const [segment] = await h.ledger.correlations.listSegments(deliveryId);
          expect(segment?.errorCode).toBe('34');
        }
        expect(delivery?.farSideAt).toBeInstanceOf(Date);
        const events = await h.ledger.listEvents(messageId);
        const receipt = events.find((e) => e.type === 'receipt');
        expect(receipt?.cause).toBe(`smpp:${stat}`);
        expect(receipt?.detail).toMatchObject({ stat, seq: 1, total: 1 });
        expect(events.filter((e) => e.type === 'state').map((e) => e.toState)).toEqual(['accepted', 'queued', 'submitted', state]);
      });
    }

    it('fails a multi-part message when one part fails, naming that part', async () => {
      const { deliveryId } = await h.send('f'.repeat(200), '+491900000001');
      const [delivery] = await h.waitFinal([deliveryId]);
      expect(delivery?.state).toBe('failed');
      expect(delivery?.errorCode).toBe('smpp:7');
      expect(delivery?.errorText).toContain('part 2 of 2');
      const segments = await h.ledger.correlations.listSegments(deliveryId);
      expect(segments.map((s) => s.state)).toEqual(['delivered', 'failed']);
    });

    it('records an intermediate receipt as an event and waits for the final one', async () => {
      const to = '+491600000001';
      const { deliveryId, messageId } = await h.send('intermediate first', to);
      await until(async () => (await h.ledger.getDelivery(deliveryId))?.state === 'submitted');
      const [submit] = partsFor(h, to);
      expect(submit).toBeDefined();
      await h.sim.injectReceipt({ messageId: submit?.receiptMessageId ?? '', stat: 'ENROUTE' });
      await until(async () => (await h.ledger.listEvents(messageId)).some((e) => e.type === 'receipt'));
      expect((await h.ledger.getDelivery(deliveryId))?.state).toBe('submitted');
      await h.sim.injectReceipt({ messageId: submit?.receiptMessageId ?? '', stat: 'DELIVRD' });
      const [delivery] = await h.waitFinal([deliveryId]);
      expect(delivery?.state).toBe('delivered');
      const receipts = (await h.ledger.listEvents(messageId)).filter((e) => e.type === 'receipt').map((e) => e.cause);
      expect(receipts).toEqual(['smpp:ENROUTE', 'smpp:DELIVRD']);
    });

    it('holds, logs and counts a receipt for an unknown id, and still acknowledges it', async () => {
      const status = await h.sim.injectReceipt({ messageId: '424242424242', stat: 'DELIVRD' });
      expect(status).toBe(0);
      const held = await h.ledger.heldReceipts.forMessage('smsc1', '424242424242');
      expect(held).toHaveLength(1);
      const metric = await h.metrics.smsReceipts.get();
      expect(metric.values.find((v) => v.labels.outcome === 'held')?.value).toBeGreaterThanOrEqual(1);
    });
  });
});
