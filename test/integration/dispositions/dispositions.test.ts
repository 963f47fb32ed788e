import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreeSipPort } from '../../../adapters/sip/standalone/free-port.js';
import { sweepDispositions } from '../../../src/dispositions/index.js';
import type { DeliveryEvent } from '../../../src/domain/message.js';
import { log, receivedImdns, startDispositionsHarness, waitFor, type DispositionsHarness } from '../../helpers/dispositions-harness.js';
import { runSipp, type SippRun } from '../../helpers/sipp.js';

const ALL_DELIVERY = ['positive-delivery', 'negative-delivery', 'interworking'] as const;

async function uas(calls: number, scenario = 'uas-message-200.xml', timeoutMs = 20_000): Promise<SippRun> {
  const run = await runSipp({ scenario, transport: 'udp', calls, timeoutMs });
  await run.started;
  return run;
}

function imdnEvents(events: readonly DeliveryEvent[]): DeliveryEvent[] {
  return events.filter((e) => e.type === 'imdn-sent' || e.type === 'imdn-failed');
}

describe('dispositions', () => {
  let h: DispositionsHarness;
  const running: SippRun[] = [];

  beforeAll(async () => {
    h = await startDispositionsHarness('dispositions');
  });

  afterAll(async () => {
    for (const run of running) run.kill();
    await h?.close();
  });

  async function sippAs(calls: number, scenario?: string, timeoutMs?: number): Promise<SippRun> {
    const run = await uas(calls, scenario, timeoutMs);
    running.push(run);
    return run;
  }

  describe('when positive-delivery, negative-delivery and interworking were asked and the SMS was delivered', () => {
    it('sends interworking-notification legacy-sms, then delivery-notification delivered', async () => {
      const sipp = await sippAs(2);
      const { message, deliveries } = await h.seed({ senderUri: `sip:alice@127.0.0.1:${sipp.port}`, requests: ALL_DELIVERY, subject: 'Lunch?' });
      const d = deliveries[0]!;
      const farSideAt = new Date(Date.now() - 5_000);
      farSideAt.setMilliseconds(0);
      await h.walk(d.id, ['queued', 'submitted']);
      await h.walk(d.id, ['delivered'], { farSideAt });
      const result = await sipp.done;
      const got = receivedImdns(result);
      expect(got.map((g) => `${g.imdn.notification.type}/${g.imdn.notification.status}`)).toEqual(['interworking/legacy-sms', 'delivery/delivered']);
      for (const g of got) {
        expect(g.imdn.messageId).toBe(message.imdnMessageId);
        expect(g.imdn.recipientUri).toBe('tel:+15551234567');
        expect(g.imdn.originalRecipientUri).toBe('sip:+15551234567@gw.example.com');
        expect(g.imdn.subject).toBe('Lunch?');
        // SIP From and CPIM From: the recipient, as the sender addressed it; Herald in Sender.
        expect(g.raw).toMatch(/^From: <sip:\+15551234567@gw\.example\.com>;tag=/m);
        expect(g.raw).toMatch(/^From: <sip:\+15551234567@gw\.example\.com>\r?$/m);
        expect(g.raw).toMatch(/^Sender: <sip:herald@127\.0\.0\.1>\r?$/m);
        expect(g.raw).toMatch(/Content-Disposition: notification/);
        expect(g.raw).toMatch(/imdn\.Message-ID: \S+/);
      }
      expect(got[1]!.imdn.datetime).toBe(farSideAt.toISOString().replace('.000Z', 'Z'));
      const events = await waitFor(async () => {
        const list = imdnEvents(await h.raw.listEvents(message.id));
        return list.length === 2 ? list : undefined;
      });
      expect(events.map((e) => [e.type, e.detail.kind, e.detail.status])).toEqual([
        ['imdn-sent', 'interworking', 'legacy-sms'],
        ['imdn-sent', 'delivery', 'delivered'],
      ]);
    });
  });

  describe('when the same request ends UNDELIV', () => {
    it('sends legacy-sms, then delivery-notification failed with the error text', async () => {
      const sipp = await sippAs(2);
      const { message, deliveries } = await h.seed({ senderUri: `sip:alice@127.0.0.1:${sipp.port}`, requests: ALL_DELIVERY });
      const d = deliveries[0]!;
      await h.walk(d.id, ['queued', 'submitted']);
      await h.raw.appendEvent({
        messageId: message.id,
        deliveryId: d.id,
        type: 'receipt',
        cause: 'smpp:UNDELIV',
        detail: { stat: 'UNDELIV', err: '027', errorCode: 27, networkType: 3 },
      });
      await h.walk(d.id, ['failed'], { errorCode: 'smpp:27', errorText: 'UNDELIV err 27 (part 1 of 1)', farSideAt: new Date() });
      const got = receivedImdns(await sipp.done);
      expect(got.map((g) => g.imdn.notification.status)).toEqual(['legacy-sms', 'failed']);
      expect(got[1]!.imdn.errorReason).toBe('SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)');
      expect(got[1]!.imdn.errorCode).toBe('smpp:27');
      expect(got[1]!.imdn.messageId).toBe(message.imdnMessageId);
    });
  });

  describe('when the SMSC refused the submit and interworking was asked', () => {
    it('creates interworking-notification error, never legacy-sms', async () => {
      const { deliveries } = await h.seed({ senderUri: 'sip:alice@127.0.0.1:9', requests: ['interworking', 'negative-delivery'] });
      const d = deliveries[0]!;
      await h.walk(d.id, ['queued', 'rejected'], { errorCode: 'smpp-status:0x0000000b', errorText: 'refused' });
      const rows = await h.store.listNotifications(d.id);
      expect(rows.map((n) => `${n.kind}/${n.status}`)).toEqual(['interworking/error', 'delivery/failed']);
      expect(rows[0]!.payload).toContain('ESME_RINVDSTADR');
    });
  });

  describe('when only positive-delivery was asked and the SMS failed', () => {
    it('sends no IMDN', async () => {
      const { deliveries } = await h.seed({ senderUri: 'sip:alice@127.0.0.1:9', requests: ['positive-delivery'] });
      const d = deliveries[0]!;
      await h.walk(d.id, ['queued', 'submitted']);
      await h.walk(d.id, ['failed'], { errorText: 'UNDELIV' });
      expect(await h.store.listNotifications(d.id)).toEqual([]);
      await sweepDispositions({ config: h.config, ledger: h.raw, store: h.store, jobs: h.jobs, service: h.service, log }, new Date(Date.now() + 60_000));
      expect(await h.store.listNotifications(d.id)).toEqual([]);
    });
  });

  describe('when only display was asked for an SMS', () => {
    it('never sends an IMDN', async () => {
      const { deliveries } = await h.seed({ senderUri: 'sip:alice@127.0.0.1:9', requests: ['display'] });
      const d = deliveries[0]!;
      await h.walk(d.id, ['queued', 'submitted']);
      await h.walk(d.id, ['delivered'], { farSideAt: new Date() });
      await h.service.afterFarSideReport(d.id, { type: 'display', status: 'displayed' }, new Date());
      await sweepDispositions({ config: h.config, ledger: h.raw, store: h.store, jobs: h.jobs, service: h.service, log }, new Date(Date.now() + 60_000));
      expect(await h.store.listNotifications(d.id)).toEqual([]);
    });
  });

  describe('when the receipt comes ten days after the submit', () => {
    it('still sends the right IMDN', async () => {
      const sipp = await sippAs(1);
      const { message, deliveries } = await h.seed({ senderUri: `sip:alice@127.0.0.1:${sipp.port}`, requests: ['positive-delivery'] });
      const d = deliveries[0]!;
      await h.walk(d.id, ['queued', 'submitted']);
      const tenDaysAgo = new Date(Date.now() - 10 * 24 * 3600 * 1000);
      await h.sql('update messages set created_at = $1, sent_at = $1 where id = $2', [tenDaysAgo, message.id]);
      await h.sql('update deliveries set created_at = $1, updated_at = $1 where id = $2', [tenDaysAgo, d.id]);
      await h.sql('update events set at = $1 where message_id = $2', [tenDaysAgo, message.id]);
      const farSideAt = new Date('2026-01-02T03:04:05Z');
      await h.walk(d.id, ['delivered'], { farSideAt });
      const got = receivedImdns(await sipp.done);
      expect(got).toHaveLength(1);
      expect(got[0]!.imdn.notification).toEqual({ type: 'delivery', status: 'delivered' });
      expect(got[0]!.imdn.messageId).toBe(message.imdnMessageId);
      expect(got[0]!.imdn.datetime).toBe('2026-01-02T03:04:05Z');
    });
  });

  describe('when the IM carried IMDN-Record-Route', () => {
    it('sends to the topmost route entry, not the sender', async () => {
      const sipp = await sippAs(1);
      const deadPort = await findFreeSipPort('127.0.0.1');
      const route = `sip:imdn-relay@127.0.0.1:${sipp.port}`;
      const { deliveries } = await h.seed({
        senderUri: `sip:alice@127.0.0.1:${deadPort}`,
        requests: ['positive-delivery'],
        imdnRoute: [route, 'sip:second@127.0.0.1:9'],
      });
      await h.walk(deliveries[0]!.id, ['queued', 'submitted', 'delivered'], { farSideAt: new Date() });
      const got = receivedImdns(await sipp.done);
      expect(got).toHaveLength(1);
      expect(got[0]!.requestUri).toBe(route);
      expect(got[0]!.raw).toMatch(new RegExp(`^To: <sip:alice@127\\.0\\.0\\.1:${deadPort}>`, 'm'));
      expect(got[0]!.raw).toContain(`imdn.IMDN-Route: <${route}>`);
    });
  });

  describe('when the sender answers 503 twice, then 200', () => {
    it('gets the IMDN once: three MESSAGEs, one success, no fourth', async () => {
      // Room for a fourth MESSAGE that must never come: sipp times out waiting for it.
      const sipp = await sippAs(4, 'uas-message-503-twice-then-200.xml', 10_000);
      const { message, deliveries } = await h.seed({ senderUri: `sip:alice@127.0.0.1:${sipp.port}`, requests: ['positive-delivery'] });
      const d = deliveries[0]!;
      await h.walk(d.id, ['queued', 'submitted', 'delivered'], { farSideAt: new Date() });
      const result = await sipp.done;
      const got = receivedImdns(result);
      expect(got).toHaveLength(3);
      const ids = got.map((g) => /imdn\.Message-ID: (\S+)/.exec(g.raw)?.[1]);
      expect(new Set(ids).size).toBe(1);
      const [row] = await h.store.listNotifications(d.id);
      expect(row).toMatchObject({ state: 'sent', attempts: 3 });
      const events = imdnEvents(await h.raw.listEvents(message.id));
      expect(events.map((e) => e.type)).toEqual(['imdn-sent']);
    });
  });

  describe('when the transition hook never ran (a crash after the commit)', () => {
    it('the sweep creates and sends the missing IMDN', async () => {
      const sipp = await sippAs(1);
      const { deliveries } = await h.seed({ senderUri: `sip:alice@127.0.0.1:${sipp.port}`, requests: ['positive-delivery'] });
      const d = deliveries[0]!;
      for (const to of ['queued', 'submitted', 'delivered'] as const) await h.raw.transition({ deliveryId: d.id, to, cause: 'test', farSideAt: new Date() });
      expect(await h.store.listNotifications(d.id)).toEqual([]);
      const swept = await sweepDispositions({ config: h.config, ledger: h.raw, store: h.store, jobs: h.jobs, service: h.service, log }, new Date(Date.now() + 60_000));
      expect(swept.evaluated).toBeGreaterThanOrEqual(1);
      const got = receivedImdns(await sipp.done);
      expect(got.map((g) => g.imdn.notification.status)).toEqual(['delivered']);
    });
  });

  describe('when a handed-off delivery\'s sender asked only for delivery reports', () => {
    it('records no decision before the final state, and the sweep does not pick the delivery', async () => {
      const { deliveries } = await h.seed({ senderUri: 'sip:alice@127.0.0.1:5999', requests: ['positive-delivery', 'negative-delivery'] });
      const d = deliveries[0]!;
      await h.raw.transition({ deliveryId: d.id, to: 'queued', cause: 'test' });
      const submitted = await h.raw.transition({ deliveryId: d.id, to: 'submitted', cause: 'test' });
      expect(await h.service.afterTransition(submitted)).toEqual([]);
      const unchecked = await h.store.listUnchecked(['submitted'], new Date(Date.now() + 60_000), 1000, ['interworking', 'processing']);
      expect(unchecked.map((u) => u.deliveryId)).not.toContain(d.id);
      const all = await h.store.listUnchecked(['submitted'], new Date(Date.now() + 60_000), 1000);
      expect(all.map((u) => u.deliveryId)).toContain(d.id);
    });
  });

  describe('when the IMDN was recorded but its job was never queued', () => {
    it('the sweep queues it', async () => {
      const sipp = await sippAs(1);
      const { deliveries } = await h.seed({ senderUri: `sip:alice@127.0.0.1:${sipp.port}`, requests: ['positive-delivery'] });
      const d = deliveries[0]!;
      const failingJobs = { ...h.jobs, enqueueBulk: async () => Promise.reject(new Error('redis down')) } as unknown as typeof h.jobs;
      const { DispositionService } = await import('../../../src/dispositions/index.js');
      const offline = new DispositionService({ config: h.config, ledger: h.raw, store: h.store, jobs: failingJobs, log });
      for (const to of ['queued', 'submitted', 'delivered'] as const) await h.raw.transition({ deliveryId: d.id, to, cause: 'test' });
      const created = await offline.evaluate(d.id);
      expect(created).toHaveLength(1);
      const swept = await sweepDispositions({ config: h.config, ledger: h.raw, store: h.store, jobs: h.jobs, service: h.service, log }, new Date(Date.now() + 60_000));
      expect(swept.requeued).toBeGreaterThanOrEqual(1);
      expect(receivedImdns(await sipp.done)).toHaveLength(1);
    });
  });

  describe('when imdn.retentionDays is set and the message is older', () => {
    it('yields no IMDN, and the sweep purges finished notifications past it', async () => {
      const { DispositionService } = await import('../../../src/dispositions/index.js');
      const config = { ...h.config, imdn: { ...h.config.imdn, retentionDays: 5 } };
      const bounded = new DispositionService({ config, ledger: h.raw, store: h.store, jobs: h.jobs, log });
      const { message, deliveries } = await h.seed({ senderUri: 'sip:alice@127.0.0.1:9', requests: ['positive-delivery'] });
      await h.sql("update messages set created_at = now() - interval '6 days' where id = $1", [message.id]);
      const d = deliveries[0]!;
      for (const to of ['queued', 'submitted', 'delivered'] as const) await h.raw.transition({ deliveryId: d.id, to, cause: 'test' });
      expect(await bounded.evaluate(d.id)).toEqual([]);
      expect(await h.store.listNotifications(d.id)).toEqual([]);

      const sent = await h.seed({ senderUri: 'sip:alice@127.0.0.1:9', requests: ['negative-delivery'] });
      await h.walk(sent.deliveries[0]!.id, ['queued', 'rejected']);
      const [row] = await h.store.listNotifications(sent.deliveries[0]!.id);
      await h.store.finish(row!.id, 'failed', new Date(), 'test');
      await h.sql("update notifications set created_at = now() - interval '6 days' where id = $1", [row!.id]);
      const swept = await sweepDispositions({ config, ledger: h.raw, store: h.store, jobs: h.jobs, service: bounded, log });
      expect(swept.purged).toBeGreaterThanOrEqual(1);
      expect(await h.store.getNotification(row!.id)).toBeUndefined();
    });
  });

  describe('when the decision is asked twice', () => {
    it('creates each IMDN once', async () => {
      const { deliveries } = await h.seed({ senderUri: 'sip:alice@127.0.0.1:9', requests: ['negative-delivery'] });
      const d = await h.walk(deliveries[0]!.id, ['queued', 'submitted', 'failed']);
      expect(await h.service.afterTransition(d)).toEqual([]);
      expect(await h.store.listNotifications(d.id)).toHaveLength(1);
    });
  });
});
