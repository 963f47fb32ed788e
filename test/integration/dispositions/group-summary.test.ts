import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receivedImdns, startDispositionsHarness, type DispositionsHarness } from '../../helpers/dispositions-harness.js';
import { runSipp, type SippRun } from '../../helpers/sipp.js';

describe('dispositions for a message to several recipients', () => {
  let h: DispositionsHarness;
  const running: SippRun[] = [];

  beforeAll(async () => {
    h = await startDispositionsHarness('dispositions_group', { HERALD_IMDN_GROUP_SUMMARY: 'true' });
  });

  afterAll(async () => {
    for (const run of running) run.kill();
    await h?.close();
  });

  describe('when imdn.groupSummary is on and one of two recipients fails', () => {
    it('sends each recipient its IMDN, then one summary once both are final', async () => {
      const sipp = await runSipp({ scenario: 'uas-message-200.xml', transport: 'udp', calls: 3 });
      running.push(sipp);
      await sipp.started;
      const { message, deliveries } = await h.seed({
        senderUri: `sip:alice@127.0.0.1:${sipp.port}`,
        requests: ['positive-delivery', 'negative-delivery'],
        targets: ['tel:+15550000001', 'tel:+15550000002'],
      });
      const [a, b] = deliveries;
      await h.walk(a!.id, ['queued', 'submitted', 'delivered'], { farSideAt: new Date('2026-11-26T06:15:00Z') });
      // Nothing aggregated while a recipient is still open.
      expect((await h.store.listNotifications(a!.id)).map((n) => n.kind)).toEqual(['delivery']);
      await h.walk(b!.id, ['queued', 'submitted', 'failed'], { farSideAt: new Date('2026-11-26T06:16:00Z'), errorText: 'UNDELIV err 1' });

      const got = receivedImdns(await sipp.done);
      expect(got).toHaveLength(3);
      const perRecipient = got.filter((g) => g.imdn.recipientUri !== undefined).map((g) => `${g.imdn.recipientUri} ${g.imdn.notification.status}`);
      expect(perRecipient.sort()).toEqual(['tel:+15550000001 delivered', 'tel:+15550000002 failed']);
      const summary = got.find((g) => g.imdn.recipientUri === undefined)!;
      expect(summary.imdn.messageId).toBe(message.imdnMessageId);
      expect(summary.imdn.notification).toEqual({ type: 'delivery', status: 'failed' });
      expect(summary.imdn.datetime).toBe('2026-11-26T06:16:00Z');
      expect(summary.imdn.errorCode).toBe('1/2 delivered');
      expect(summary.imdn.errorReason).toBe('tel:+15550000001: delivered; tel:+15550000002: failed (UNDELIV err 1)');

      // Asking again (the sweep, a retried hook) makes no second summary.
      await h.service.evaluate(b!.id);
      await h.service.evaluate(a!.id);
      expect((await h.store.listNotifications(a!.id)).filter((n) => n.kind === 'summary')).toHaveLength(1);
    });
  });
});
