import { describe, expect, it } from 'vitest';
import { InlineImdnSender, INLINE_RETRY_DELAY_MS } from '../../../src/dispositions/inline-send.js';
import type { StoredNotification } from '../../../src/domain/notification.js';
import { heraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import type { EnqueueOptions } from '../../../src/ports/job-queue.port.js';
import type { NotificationSendFacts } from '../../../src/ports/disposition-store.port.js';

const log = createLogger('silent');

function notification(id: string): StoredNotification {
  return {
    id,
    deliveryId: 'd1',
    messageId: 'm1',
    kind: 'delivery',
    status: 'delivered',
    imdnMessageId: `imdn-${id}`,
    payload: '<imdn/>',
    state: 'pending',
    attempts: 0,
    createdAt: new Date(0),
  };
}

function setup(handler: (id: string) => Promise<void>, maxInFlight = 4) {
  const sent: string[] = [];
  /** The notifications sent from facts the caller gave (no read). */
  const fromFacts: string[] = [];
  const queued: { ids: string[]; options: EnqueueOptions[] }[] = [];
  const sender = new InlineImdnSender({
    handler: async ({ notificationId }, context) => {
      expect(context).toEqual({ jobId: notificationId, attempt: 1 });
      sent.push(notificationId);
      await handler(notificationId);
    },
    sendFrom: async (facts, context) => {
      expect(context).toEqual({ jobId: facts.notification.id, attempt: 1 });
      sent.push(facts.notification.id);
      fromFacts.push(facts.notification.id);
      await handler(facts.notification.id);
    },
    jobs: {
      async enqueueBulk(_name, jobs) {
        const ids = jobs.map((j) => ('notificationId' in j.payload ? j.payload.notificationId : ''));
        queued.push({ ids, options: jobs.map((j) => j.options) });
      },
    },
    maxInFlight,
    log,
  });
  return { sender, sent, fromFacts, queued };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

describe('InlineImdnSender', () => {
  describe('when every attempt succeeds', () => {
    it('sends the notifications in order and queues nothing', async () => {
      const { sender, sent, queued } = setup(async () => undefined);
      expect(sender.dispatch([{ notification: notification('a') }, { notification: notification('b') }])).toBe(true);
      await settle();
      expect(sent).toEqual(['a', 'b']);
      expect(queued).toEqual([]);
    });
  });

  describe('when the caller holds the send facts', () => {
    it('sends from them, and reads only for the notifications given alone', async () => {
      const { sender, sent, fromFacts } = setup(async () => undefined);
      const message = { id: 'm1' } as NotificationSendFacts['message'];
      expect(sender.dispatch([{ notification: notification('a'), message, earlierPending: undefined }, { notification: notification('b') }])).toBe(true);
      await settle();
      expect(sent).toEqual(['a', 'b']);
      expect(fromFacts).toEqual(['a']);
    });
  });

  describe('when an attempt throws', () => {
    it('queues that notification and the ones after it, delayed as the error asks', async () => {
      const { sender, sent, queued } = setup(async (id) => {
        if (id === 'b') throw heraldError('GW_ERR_SIP_SEND_FAILED', '503 busy', { meta: { retryAfterMs: 5000 } });
      });
      sender.dispatch([{ notification: notification('a') }, { notification: notification('b') }, { notification: notification('c') }]);
      await settle();
      expect(sent).toEqual(['a', 'b']);
      expect(queued).toEqual([{ ids: ['b', 'c'], options: [{ jobId: 'b', delayMs: 5000 }, { jobId: 'c', delayMs: 5000 }] }]);
    });

    it('uses the default delay when the error names none', async () => {
      const { sender, queued } = setup(async () => {
        throw new Error('edge down');
      });
      sender.dispatch([{ notification: notification('a') }]);
      await settle();
      expect(queued).toEqual([{ ids: ['a'], options: [{ jobId: 'a', delayMs: INLINE_RETRY_DELAY_MS }] }]);
    });
  });

  describe('when maxInFlight sends are running', () => {
    it('refuses more, so the caller queues them', async () => {
      let release: () => void = () => undefined;
      const blocked = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { sender } = setup(() => blocked, 1);
      expect(sender.dispatch([{ notification: notification('a') }])).toBe(true);
      expect(sender.dispatch([{ notification: notification('b') }])).toBe(false);
      release();
      await settle();
      expect(sender.dispatch([{ notification: notification('c') }])).toBe(true);
    });
  });
});
