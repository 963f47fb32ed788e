/**
 * The SMS channel against the project's SMSC simulator over TCP, with the real pieces
 * around it: a fresh PostgreSQL database, Redis with a unique queue prefix, BullMQ workers
 * running the core's handlers, and the SMPP adapter. Each test file starts its own, so
 * files run in parallel without sharing ports, databases or queues.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createSmppGateway } from '../../adapters/smpp/index.js';
import { BullmqJobQueue } from '../../queues/job-queue.js';
import { createRedis } from '../../queues/redis-connection.js';
import { JobWorkers } from '../../queues/workers.js';
import { configSchema, type HeraldConfig } from '../../src/config.js';
import type { SmppConnectionConfig } from '../../src/config-smpp.js';
import { isFinal } from '../../src/domain/delivery-state.js';
import { JOB_NAMES } from '../../src/domain/jobs.js';
import type { StoredDelivery } from '../../src/domain/message.js';
import { createSipDeliverHandler } from '../../src/egress/sip-deliver.js';
import { createLedger } from '../../src/ledger/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import type { JobHandlers } from '../../src/ports/job-queue.port.js';
import type { Ledger } from '../../src/ports/ledger.port.js';
import type { SipEdge } from '../../src/ports/sip-edge.port.js';
import type { SmsGateway } from '../../src/ports/sms-gateway.port.js';
import { createSmsChannel, type SmsChannel } from '../../src/sms/index.js';
import { SmscSimulator, type SmscSimulatorOptions } from '../sim/smsc-sim.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { recordSmsMessage } from './ledger-fixtures.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SMSC_SYSTEM_ID = 'herald';
export const SMSC_PASSWORD = 'secret';
/** The IM sender of test messages, and the number the directory gives it. */
export const IM_SENDER = 'sip:alice@example.com';
export const IM_SENDER_MSISDN = '+4915100000001';

export interface SmsHarnessOptions {
  /** Label for the test database name. */
  readonly label: string;
  readonly sim?: SmscSimulatorOptions;
  /** Overrides of the one connection (id `smsc1`). */
  readonly connection?: Partial<Record<keyof SmppConnectionConfig, unknown>>;
  /** Overrides of the rest of the `smpp` section. */
  readonly smpp?: Readonly<Record<string, unknown>>;
  /** A SIP edge for `sip-deliver` (MO relay tests). */
  readonly sipEdge?: SipEdge;
  readonly concurrency?: number;
  /** A database to use instead of a fresh one on the shared server (a private PostgreSQL the test stops); not dropped. */
  readonly databaseUrl?: string;
}

export interface SmsHarness {
  readonly sim: SmscSimulator;
  readonly ledger: Ledger;
  readonly jobs: BullmqJobQueue;
  readonly gateway: SmsGateway;
  readonly channel: SmsChannel;
  readonly config: HeraldConfig;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Records an IM → SMS message as ingress would and queues its sms-submit job. */
  send(text: string, to?: string): Promise<{ readonly messageId: string; readonly deliveryId: string }>;
  /** Many at once (one bulk enqueue). */
  sendMany(texts: readonly string[], to?: (index: number) => string): Promise<readonly string[]>;
  /** Waits until every delivery is final; returns them in the given order. */
  waitFinal(deliveryIds: readonly string[], timeoutMs?: number): Promise<readonly StoredDelivery[]>;
  close(): Promise<void>;
}

const log = createLogger((process.env.HERALD_TEST_LOG as 'info' | undefined) ?? 'silent');

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export async function startSmsHarness(options: SmsHarnessOptions): Promise<SmsHarness> {
  const sim = new SmscSimulator({ accounts: [{ systemId: SMSC_SYSTEM_ID, password: SMSC_PASSWORD }], ...options.sim });
  const port = await sim.start();
  const config = configSchema.parse({
    sip: { domain: 'gw.example.com', retryGiveUpMs: 60_000 },
    smpp: {
      connections: [
        {
          id: 'smsc1',
          host: '127.0.0.1',
          port,
          systemId: SMSC_SYSTEM_ID,
          password: SMSC_PASSWORD,
          binds: 2,
          windowSize: 10,
          maxPerSecond: 5_000,
          enquireLinkMs: 5_000,
          // Generous: on a loaded CI machine a resp can lag, and a timed-out submit is resent
          // (the documented ambiguous case), which would fail the no-duplicate assertions.
          submitTimeoutMs: 15_000,
          reconnect: { minMs: 50, maxMs: 500 },
          ...options.connection,
        },
      ],
      receiptSweepMs: 200,
      ...options.smpp,
    },
  });
  let db: TestDatabase | undefined;
  let ledger: Ledger | undefined;
  let redis: Redis | undefined;
  const prefix = `test-sms-${randomBytes(6).toString('hex')}`;
  try {
    db = options.databaseUrl === undefined ? await createTestDatabase(options.label) : { url: options.databaseUrl, name: 'private', drop: async () => undefined };
    // Commits need not wait for fsync here: the test database's durability is not under
    // test, and the suite runs on small machines next to other test files.
    const url = new URL(db.url);
    url.searchParams.set('options', '-c synchronous_commit=off');
    ledger = await createLedger({ databaseUrl: url.toString(), dataDir: '/nonexistent', poolSize: 10 }, log);
    await ledger.migrate();
    await ledger.directory.upsert({ imUri: IM_SENDER, msisdn: IM_SENDER_MSISDN, archiveEnabled: false });
    redis = createRedis(REDIS_URL);
    const jobs = new BullmqJobQueue(redis, prefix);
    const metrics = new Metrics({ defaults: false });
    const gateway = createSmppGateway(config.smpp, log);
    const channel = createSmsChannel({ config, ledger, jobs, gateway, metrics, log });
    await gateway.start();
    channel.start();
    const workers = new JobWorkers(redis, log, { prefix, concurrency: options.concurrency ?? 40, stalledIntervalMs: 5_000 });
    const handlers: JobHandlers = {
      'sms-submit': channel.submitHandler,
      ...(options.sipEdge === undefined ? {} : { 'sip-deliver': createSipDeliverHandler({ config, ledger, edge: options.sipEdge, metrics, log }) }),
    };
    workers.start(handlers);
    await until(() => gateway.status().connections.every((c) => c.state === 'up'), 10_000);

    const theLedger = ledger;
    const theRedis = redis;
    const theDb = db;
    const record = async (text: string, to: string): Promise<{ messageId: string; deliveryId: string }> => {
      const { messageId, deliveryIds } = await recordSmsMessage(theLedger, { to: [to], text, senderUri: IM_SENDER });
      return { messageId, deliveryId: deliveryIds[0] ?? '' };
    };
    return {
      sim,
      ledger: theLedger,
      jobs,
      gateway,
      channel,
      config,
      metrics,
      log,
      async send(text, to = '+4915112345678') {
        const ids = await record(text, to);
        await jobs.enqueue('sms-submit', { deliveryId: ids.deliveryId }, { jobId: ids.deliveryId });
        return ids;
      },
      async sendMany(texts, to = (i) => `+49151${String(2000000 + i)}`) {
        const ids: string[] = [];
        for (let i = 0; i < texts.length; i += 50) {
          const batch = await Promise.all(texts.slice(i, i + 50).map((text, j) => record(text, to(i + j))));
          ids.push(...batch.map((b) => b.deliveryId));
        }
        await jobs.enqueueBulk(
          'sms-submit',
          ids.map((deliveryId) => ({ payload: { deliveryId }, options: { jobId: deliveryId } })),
        );
        return ids;
      },
      async waitFinal(deliveryIds, timeoutMs = 20_000) {
        const final = new Map<string, StoredDelivery>();
        await until(
          async () => {
            // Stop at the first one still open: polling all of them would load the
            // database more than the channel under test does.
            for (const id of deliveryIds) {
              if (final.has(id)) continue;
              const delivery = await theLedger.getDelivery(id);
              if (delivery === undefined || !isFinal(delivery.state)) return false;
              final.set(id, delivery);
            }
            return true;
          },
          timeoutMs,
          100,
        );
        return deliveryIds.map((id) => final.get(id) as StoredDelivery);
      },
      async close() {
        await workers.close();
        await channel.stop();
        await gateway.stop();
        await sim.stop();
        for (const name of JOB_NAMES) await jobs.queue(name).obliterate({ force: true }).catch(() => undefined);
        await jobs.close();
        theRedis.disconnect();
        await theLedger.close();
        await theDb.drop();
      },
    };
  } catch (err) {
    await sim.stop().catch(() => undefined);
    redis?.disconnect();
    await ledger?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    throw err;
  }
}
