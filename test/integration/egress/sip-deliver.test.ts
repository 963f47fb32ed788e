import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../../adapters/sip/index.js';
import { findFreeSipPort } from '../../../adapters/sip/standalone/free-port.js';
import { BullmqJobQueue } from '../../../queues/job-queue.js';
import { createRedis } from '../../../queues/redis-connection.js';
import { JobWorkers } from '../../../queues/workers.js';
import { loadConfig } from '../../../src/config.js';
import { newId } from '../../../src/domain/ids.js';
import { createSipDeliverHandler } from '../../../src/egress/sip-deliver.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';
import { runSipp } from '../../helpers/sipp.js';

const log = createLogger('silent');


describe('sip-deliver job', () => {
  const config = loadConfig({
    env: { HERALD_SIP_PORT: '0', HERALD_SIP_SEND_TIMEOUT_MS: '1000', HERALD_SIP_RETRY_GIVE_UP_MS: '3000' },
  });
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  let db: TestDatabase;
  let ledger: Ledger;
  let edge: StandaloneSipEdge;
  let jobs: BullmqJobQueue;
  let workers: JobWorkers;
  const redis = createRedis('redis://127.0.0.1:6379');

  beforeAll(async () => {
    db = await createTestDatabase('sip_deliver');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 4 }, log);
    await ledger.migrate();
    edge = createStandaloneEdge(config.sip, log);
    await edge.start(async () => ({ status: 405, reason: 'Not here' }));
    jobs = new BullmqJobQueue(redis, prefix);
    workers = new JobWorkers(redis, log, { prefix, concurrency: 4 });
    workers.start({ 'sip-deliver': createSipDeliverHandler({ config, ledger, edge, metrics: new Metrics({ defaults: false }), log }) });
  });

  afterAll(async () => {
    await workers?.close();
    for (const name of ['sip-deliver'] as const) await jobs?.queue(name).obliterate({ force: true });
    await jobs?.close();
    redis.disconnect();
    await edge?.stop();
    await ledger?.close();
    await db?.drop();
  });

  async function moMessage(targetUri: string, text: string): Promise<{ messageId: string; deliveryId: string }> {
    const messageId = newId();
    const deliveryId = newId();
    await ledger.recordMessage(
      {
        id: messageId,
        direction: 'mo',
        sourceChannel: 'sms',
        senderUri: 'tel:+15551234567',
        imdnRequests: [],
        imdnRoute: [],
        contentType: 'text/plain',
        body: Buffer.from(text),
        sentAt: new Date(),
        dedupeKey: `mo-${messageId}`,
      },
      [{ id: deliveryId, channel: 'sip', originalRecipientUri: targetUri, targetUri }],
    );
    await jobs.enqueue('sip-deliver', { deliveryId }, { jobId: deliveryId });
    return { messageId, deliveryId };
  }

  describe('when the IM user answers 200', () => {
    it('sends the MESSAGE, stores the 200 and ends delivered', async () => {
      const uas = await runSipp({ scenario: 'uas-message-200.xml', transport: 'udp' });
      await uas.started;
      try {
        const { messageId, deliveryId } = await moMessage(`sip:bob@127.0.0.1:${uas.port}`, 'reply from a phone');
        const delivery = await waitFor(async () => {
          const d = await ledger.getDelivery(deliveryId);
          return d?.state === 'delivered' ? d : undefined;
        }, 15_000);
        expect(delivery.state).toBe('delivered');
        const events = await ledger.listEvents(messageId);
        expect(events.find((e) => e.type === 'sip-response')?.cause).toBe('sip:200');
        const result = await uas.done;
        expect(result.messages).toMatch(/MESSAGE sip:bob@127\.0\.0\.1:\d+ SIP\/2\.0[\s\S]*reply from a phone/);
        expect(result.messages).toMatch(/From: <sip:\+15551234567@localhost;user=phone>/);
        // The SMS user as the IM client knows them in SIP and CPIM From; Herald in Sender.
        expect(result.messages).toMatch(/^From: <sip:\+15551234567@localhost;user=phone>\r?$/m);
        expect(result.messages).toMatch(/^Sender: <sip:herald@localhost>\r?$/m);
      } finally {
        uas.kill();
      }
    });
  });

  describe('when nothing answers', () => {
    it('retries, then records the failure once it gives up', async () => {
      const deadPort = await findFreeSipPort('127.0.0.1');
      const { messageId, deliveryId } = await moMessage(`sip:bob@127.0.0.1:${deadPort}`, 'into the void');
      const delivery = await waitFor(async () => {
        const d = await ledger.getDelivery(deliveryId);
        return d?.state === 'failed' ? d : undefined;
      }, 30_000);
      expect(delivery.errorCode).toBe('sip:408');
      const events = await ledger.listEvents(messageId);
      expect(events.filter((e) => e.type === 'sip-response').length).toBeGreaterThanOrEqual(2);
      expect(events.find((e) => e.toState === 'failed')?.cause).toBe('sip-give-up');
    });
  });
});
