/**
 * The dispositions module with its real neighbours: a fresh PostgreSQL database, Redis
 * with a unique queue prefix, BullMQ workers running `imdn-send`, the standalone SIP edge,
 * and the ledger decorated as src/main.ts does. IMDNs go to sipp UAS scenarios.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../adapters/sip/index.js';
import { BullmqJobQueue } from '../../queues/job-queue.js';
import { createRedis } from '../../queues/redis-connection.js';
import { JobWorkers } from '../../queues/workers.js';
import { loadConfig, type HeraldConfig } from '../../src/config.js';
import { parseImdn, type Imdn } from '../../src/codecs/imdn.js';
import { createImdnSendHandler, DispositionService, IncomingImdnRecorder, withDispositions } from '../../src/dispositions/index.js';
import type { DeliveryState } from '../../src/domain/delivery-state.js';
import { newId } from '../../src/domain/ids.js';
import type { Channel, ImdnRequestToken, StoredDelivery, StoredMessage } from '../../src/domain/message.js';
import { createIngress, type Ingress } from '../../src/ingress/ingress.js';
import { createLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import type { DispositionStore } from '../../src/ports/disposition-store.port.js';
import type { Ledger } from '../../src/ports/ledger.port.js';
import type { SippResult } from './sipp.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { waitFor as waitForWithin } from './wait.js';

/** {@link waitForWithin} with the 15 s these tests allow. */
export function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  return waitForWithin(probe, timeoutMs, 'the ledger to show it');
}

export const log = createLogger((process.env.HERALD_TEST_LOG as 'info' | undefined) ?? 'silent');

export interface DispositionsHarness {
  readonly config: HeraldConfig;
  readonly db: TestDatabase;
  /** The plain ledger (transitions here do not tell the service: the "crash" path). */
  readonly raw: Ledger;
  /** The decorated ledger, as the channels get it in src/main.ts. */
  readonly ledger: Ledger;
  readonly store: DispositionStore;
  readonly service: DispositionService;
  readonly jobs: BullmqJobQueue;
  readonly edge: StandaloneSipEdge;
  readonly ingress: Ingress;
  /** Records an IM → SMS (or email) message as ingress would, one delivery per target. */
  seed(options: SeedOptions): Promise<{ message: StoredMessage; deliveries: readonly StoredDelivery[] }>;
  /** Moves a delivery along accepted → queued → submitted → … through the decorated ledger. */
  walk(deliveryId: string, states: readonly DeliveryState[], last?: Partial<WalkFacts>): Promise<StoredDelivery>;
  sql(text: string, values?: readonly unknown[]): Promise<void>;
  close(): Promise<void>;
}

export interface SeedOptions {
  readonly senderUri: string;
  readonly requests: readonly ImdnRequestToken[];
  readonly targets?: readonly string[];
  readonly channel?: Channel;
  readonly imdnRoute?: readonly string[];
  readonly imdnMessageId?: string;
  readonly subject?: string;
}

export interface WalkFacts {
  readonly farSideAt: Date;
  readonly errorCode: string;
  readonly errorText: string;
}

export async function startDispositionsHarness(label: string, env: Readonly<Record<string, string>> = {}): Promise<DispositionsHarness> {
  const config = loadConfig({
    env: {
      HERALD_SIP_PORT: '0',
      HERALD_SIP_SEND_TIMEOUT_MS: '2000',
      HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
      HERALD_SIP_RETRY_GIVE_UP_MS: '60000',
      ...env,
    },
  });
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const db = await createTestDatabase(label);
  const created = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 4 }, log);
  await created.migrate();
  const store = created.dispositions;
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const jobs = new BullmqJobQueue(redis, prefix);
  const metrics = new Metrics({ defaults: false });
  const service = new DispositionService({ config, ledger: created, store, jobs, log });
  const ledger = withDispositions(created, service, log);
  const edge = createStandaloneEdge(config.sip, log);
  const incomingImdns = new IncomingImdnRecorder({ ledger: created, store });
  const ingress = createIngress({ config, ledger, jobs, metrics, log, incomingImdns });
  await edge.start((request) => ingress.handle(request));
  const workers = new JobWorkers(redis, log, { prefix, concurrency: 4 });
  workers.start({ 'imdn-send': createImdnSendHandler({ config, store, edge, metrics, log }) });

  return {
    config,
    db,
    raw: created,
    ledger,
    store,
    service,
    jobs,
    edge,
    ingress,
    async seed(options) {
      const id = newId();
      const targets = options.targets ?? ['tel:+15551234567'];
      const result = await created.recordMessage(
        {
          id,
          direction: 'mt',
          sourceChannel: 'sip',
          senderUri: options.senderUri,
          imdnMessageId: options.imdnMessageId ?? `imdn-${randomBytes(6).toString('hex')}`,
          imdnRequests: [...options.requests],
          imdnRoute: [...(options.imdnRoute ?? [])],
          subject: options.subject,
          contentType: 'text/plain',
          body: Buffer.from('hello'),
          sentAt: new Date(),
          dedupeKey: `seed-${id}`,
        },
        targets.map((target) => ({
          id: newId(),
          channel: options.channel ?? 'sms',
          originalRecipientUri: target.startsWith('tel:') ? `sip:${target.slice(4)}@gw.example.com` : target,
          targetUri: target,
        })),
      );
      return { message: result.message, deliveries: result.deliveries };
    },
    async walk(deliveryId, states, last = {}) {
      let delivery: StoredDelivery | undefined;
      for (const [i, to] of states.entries()) {
        delivery = await ledger.transition({ deliveryId, to, cause: 'test', ...(i === states.length - 1 ? last : {}) });
      }
      if (delivery === undefined) throw new Error('no states to walk');
      return delivery;
    },
    async sql(text, values = []) {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query(text, [...values]);
      } finally {
        await client.end();
      }
    },
    async close() {
      await workers.close();
      for (const queue of ['imdn-send'] as const) await jobs.queue(queue).obliterate({ force: true });
      await jobs.close();
      redis.disconnect();
      await edge.stop();
      await created.close();
      await db.drop();
    },
  };
}

/** One MESSAGE sipp received: its Request-URI, raw text and the IMDN it carried. */
export interface ReceivedImdn {
  readonly requestUri: string;
  readonly raw: string;
  readonly imdn: Imdn;
}

/** The MESSAGEs in a sipp trace, in arrival order (their IMDN parsed). */
export function receivedImdns(result: SippResult): ReceivedImdn[] {
  const out: ReceivedImdn[] = [];
  for (const match of result.messages.matchAll(/^MESSAGE (\S+) SIP\/2\.0[\s\S]*?<\/imdn>/gm)) {
    const raw = match[0];
    const xml = /<\?xml[\s\S]*<\/imdn>/.exec(raw)?.[0] ?? '';
    out.push({ requestUri: match[1] ?? '', raw, imdn: parseImdn(xml) });
  }
  return out;
}
