/**
 * Reply-to-all (REQ-GROUP-4) against the embedded PGlite ledger: the group lookup of
 * migration 0006, the MO SMS path with a directory hit and outside the window, and an email
 * reply found by its token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type HeraldConfig } from '../../../src/config.js';
import { newId } from '../../../src/domain/ids.js';
import type { JobName } from '../../../src/domain/jobs.js';
import type { StoredDelivery } from '../../../src/domain/message.js';
import { createMailProcessor, emailSettings } from '../../../src/email/index.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import type { JobQueue } from '../../../src/ports/job-queue.port.js';
import { MoProcessor } from '../../../src/sms/mo-processor.js';
import { createTempDataDir, type TempDataDir } from '../../helpers/pglite.js';

const log = createLogger('silent');

describe('group replies (PGlite ledger)', () => {
  let tmp: TempDataDir;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  let config: HeraldConfig;
  const queued: { name: JobName; deliveryId: string }[] = [];
  const jobs: JobQueue = {
    enqueue: async (name, payload) => {
      if ('deliveryId' in payload) queued.push({ name, deliveryId: payload.deliveryId });
    },
    enqueueBulk: async () => undefined,
    enqueueBatch: async () => undefined,
    backlog: async () => 0,
    ping: async () => undefined,
  };

  beforeAll(async () => {
    tmp = await createTempDataDir('herald-group-replies');
    ledger = await createLedger({ dataDir: tmp.dir, poolSize: 1 }, log);
    await ledger.migrate();
    config = loadConfig({ env: { HERALD_GROUPS_REPLY_TO_ALL: 'true', HERALD_GROUPS_REPLY_WINDOW_MINUTES: '10' } });
    await ledger.directory.upsert({ imUri: 'sip:alice@im.example', msisdn: '+15556660000', archiveEnabled: false });
  }, 60_000);

  afterAll(async () => {
    await ledger?.close();
    await tmp?.remove();
  });

  async function groupMessage(): Promise<readonly StoredDelivery[]> {
    const id = newId();
    const recorded = await ledger.recordMessage(
      {
        id,
        direction: 'mt',
        sourceChannel: 'sip',
        senderUri: 'sip:alice@im.example',
        imdnRequests: [],
        imdnRoute: [],
        contentType: 'text/plain;charset=UTF-8',
        body: Buffer.from('Lunch?'),
        sentAt: new Date(),
        dedupeKey: `group-${id}`,
      },
      [
        { id: newId(), channel: 'sms', originalRecipientUri: 'tel:+15556660001', targetUri: 'tel:+15556660001', copyControl: 'to' },
        { id: newId(), channel: 'email', originalRecipientUri: 'mailto:bob@example.test', targetUri: 'mailto:bob@example.test', copyControl: 'cc' },
        { id: newId(), channel: 'sms', originalRecipientUri: 'tel:+15556660003', targetUri: 'tel:+15556660003', copyControl: 'bcc' },
      ],
    );
    return recorded.deliveries;
  }

  function mo(source: string, text: string): Parameters<MoProcessor['handle']>[0] {
    return {
      connectionId: 'smsc1',
      bindId: 'b1',
      command: 'deliver_sm',
      source: { address: source, ton: 1, npi: 1 },
      destination: { address: '+15556660000', ton: 1, npi: 1 },
      esmClass: 0,
      dataCoding: 0,
      shortMessage: Buffer.from(text, 'latin1'),
    };
  }

  async function deliveriesOfLatestMo(): Promise<readonly StoredDelivery[]> {
    const last = queued[queued.length - 1];
    const delivery = last === undefined ? undefined : await ledger.getDelivery(last.deliveryId);
    return delivery === undefined ? [] : ledger.listDeliveries(delivery.messageId);
  }

  describe('when a member replies by SMS to the IM user number within the window', () => {
    it('goes to the IM user and to the other to/cc member, not to the bcc one', async () => {
      await groupMessage();
      queued.length = 0;
      const processor = new MoProcessor({ config, ledger, jobs, metrics: new Metrics({ defaults: false }), log, groups: ledger.groups });
      await processor.handle(mo('+15556660001', 'Yes please'));
      const deliveries = await deliveriesOfLatestMo();
      expect(deliveries.map((d) => [d.channel, d.targetUri, d.copyControl])).toEqual([
        ['sip', 'sip:alice@im.example', 'to'],
        ['email', 'mailto:bob@example.test', 'cc'],
      ]);
      expect(queued.map((q) => q.name)).toEqual(['sip-deliver', 'email-send']);
    });
  });

  describe('when the reply comes after the window', () => {
    it('goes to the IM user only', async () => {
      await groupMessage();
      queued.length = 0;
      const later = new Date(Date.now() + 11 * 60_000);
      const processor = new MoProcessor({ config, ledger, jobs, metrics: new Metrics({ defaults: false }), log, groups: ledger.groups, now: () => later });
      await processor.handle(mo('+15556660001', 'Too late?'));
      const deliveries = await deliveriesOfLatestMo();
      expect(deliveries.map((d) => [d.channel, d.targetUri, d.copyControl])).toEqual([['sip', 'sip:alice@im.example', undefined]]);
    });
  });

  describe('when a member replies by email', () => {
    it('finds the group by the reply token and copies the other to/cc member by SMS', async () => {
      const deliveries = await groupMessage();
      const email = deliveries.find((d) => d.channel === 'email');
      if (email === undefined) throw new Error('no email delivery');
      await ledger.correlations.putCorrelation({ kind: 'reply-token', key: 'TOKEN4242', deliveryId: email.id });
      queued.length = 0;
      const settings = emailSettings(config.smtp);
      const processor = createMailProcessor({ settings, ledger, jobs, metrics: new Metrics({ defaults: false }), log, groups: config.groups });
      const raw = [
        'From: Bob <bob@example.test>',
        `To: ${settings.replyAddress.replace('{token}', 'TOKEN4242')}`,
        'Subject: Re: Lunch?',
        `Message-ID: <${newId()}@example.test>`,
        'Date: Thu, 26 Nov 2026 06:20:00 +0000',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Sure, at noon.',
        '',
      ].join('\r\n');
      const outcome = await processor(Buffer.from(raw), { watcher: 'test@localhost/INBOX', mailbox: 'INBOX', uidValidity: '1', uid: 1 });
      expect(outcome).toContain('relayed');
      const mo = await deliveriesOfLatestMo();
      expect(mo.map((d) => [d.channel, d.targetUri, d.copyControl])).toEqual([
        ['sip', 'sip:alice@im.example', 'to'],
        ['sms', 'tel:+15556660001', 'to'],
      ]);
    });
  });
});
