/**
 * The writer alone (issue 14's spike): the ledger calls of one SMS round trip as the
 * gateway makes them — the message with its delivery; the submit job's queued (from the
 * facts recording kept), the part, the held-receipt look-up, submitted; the receipt's
 * read, the part's update, delivered with its history; the IMDN's decision and its
 * outcome (sent from the decision's facts) — offered at a fixed rate on a fresh
 * PostgreSQL database, fsync and synchronous_commit as the server has them. Reports the
 * PostgreSQL CPU (its backends on this database and the server's background processes,
 * from /proc) and the commits per message, and this process's CPU.
 *
 *   node dist/test/bench/writer-spike.js [--rate 1000] [--duration 20] [--backend postgres|pglite]
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { newId, newToken } from '../../src/domain/ids.js';
import { createLedger, type LedgerConnectOptions } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import { createTempDataDir } from '../helpers/pglite.js';
import { createTestDatabase, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { CpuGroup, cpuSeconds, databaseActivity, postgresPids } from './proc-stats.js';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const rate = Number(flag('rate', '1000'));
const durationS = Number(flag('duration', '20'));
const backend = flag('backend', 'postgres');
const TICK_MS = 10;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

async function main(): Promise<void> {
  /** Per statement: flushes and the ops they carried. */
  const flushes = new Map<string, { count: number; ops: number }>();
  let options: LedgerConnectOptions;
  let cleanup: () => Promise<void>;
  let dbName: string | undefined;
  if (backend === 'pglite') {
    const folder = await createTempDataDir('herald-spike');
    options = { dataDir: folder.dir, poolSize: 1 };
    cleanup = () => folder.remove();
  } else {
    const database = await createTestDatabase('writer-spike');
    dbName = database.name;
    options = { databaseUrl: database.url, dataDir: '/nonexistent', poolSize: 10 };
    cleanup = () => database.drop();
  }
  const ledger = await createLedger(options, createLogger('silent'), {
    onWriterFlush: (statement, size) => {
      const seen = flushes.get(statement) ?? { count: 0, ops: 0 };
      flushes.set(statement, { count: seen.count + 1, ops: seen.ops + size });
    },
  });
  await ledger.migrate();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const settings = await admin.query<{ name: string; setting: string }>(`select name, setting from pg_settings where name in ('fsync', 'synchronous_commit')`);

  const latencies: number[] = [];
  let done = 0;
  let failed = 0;
  async function oneMessage(): Promise<void> {
    const started = performance.now();
    const id = randomUUID();
    const recorded = await ledger.recordMessage(
      {
        id,
        direction: 'mt',
        sourceChannel: 'sip',
        senderUri: 'sip:alice@example.com',
        imdnMessageId: id,
        imdnRequests: ['positive-delivery', 'negative-delivery'],
        imdnRoute: [],
        contentType: 'text/plain;charset=utf-8',
        body: Buffer.from('Hello from the writer spike'),
        sentAt: new Date(),
        dedupeKey: id,
      },
      [{ id: randomUUID(), channel: 'sms', originalRecipientUri: 'tel:+15551234567', targetUri: 'tel:+15551234567', inBatchJob: true }],
    );
    const deliveryId = recorded.deliveries[0]?.id ?? '';
    // The submit job, from what recording kept (as the gateway's first run does).
    if (ledger.takeRecorded(deliveryId) === undefined) await ledger.getDeliveryWithMessage(deliveryId);
    await ledger.transition({ deliveryId, to: 'queued', cause: 'worker' });
    const smscMessageId = newToken(8);
    await ledger.correlations.insertSegment({ deliveryId, seq: 1, total: 1, connectionId: 'spike', smscMessageId });
    await ledger.heldReceipts.forMessage('spike', smscMessageId);
    await ledger.transition({ deliveryId, to: 'submitted', cause: 'smpp:submit_sm_resp' });
    // The receipt.
    const part = await ledger.correlations.findSegmentWithDelivery('spike', smscMessageId);
    await ledger.correlations.updateSegmentWithEvent(
      { segmentId: part?.segment.id ?? '0', state: 'delivered', at: new Date() },
      { messageId: id, deliveryId, type: 'receipt', cause: 'smpp:DELIVRD', detail: { stat: 'DELIVRD' } },
    );
    const moved = await ledger.transitionWithHistory({ deliveryId, to: 'delivered', cause: 'smpp:DELIVRD', farSideAt: new Date() });
    // The IMDN: decided, read for sending, its 2xx recorded.
    const { created: [decided] } = await ledger.dispositions.recordDecision(deliveryId, moved.delivery.version, [
      { id: newId(), deliveryId, messageId: id, kind: 'delivery', status: 'delivered', imdnMessageId: newToken(), payload: '<imdn/>' },
    ]);
    const notification = decided?.notification;
    if (notification !== undefined) {
      await ledger.dispositions.recordSendOutcome(notification.id, {
        finish: { state: 'sent', at: new Date(), event: { type: 'imdn', cause: 'sip:200', detail: {} } },
      });
    }
    latencies.push(performance.now() - started);
  }

  const pgCpu = new CpuGroup();
  const backendCpu = new CpuGroup();
  const backends = async (): Promise<number[]> =>
    dbName === undefined ? [] : (await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [dbName])).rows.map((r) => r.pid);
  if (dbName !== undefined) pgCpu.observe(await postgresPids(admin, dbName), true);
  backendCpu.observe(await backends(), true);
  const before = dbName === undefined ? undefined : await databaseActivity(admin, dbName);
  const selfBefore = cpuSeconds(process.pid) ?? 0;
  const wallStart = performance.now();
  const inFlight = new Set<Promise<void>>();
  const perTick = (rate * TICK_MS) / 1000;
  let owed = 0;
  const ticks = Math.round((durationS * 1000) / TICK_MS);
  for (let tick = 0; tick < ticks; tick++) {
    owed += perTick;
    for (; owed >= 1; owed -= 1) {
      const run = oneMessage().then(
        () => void (done += 1),
        () => void (failed += 1),
      );
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    }
    if (dbName !== undefined && tick % 100 === 0) {
      pgCpu.observe(await postgresPids(admin, dbName).catch(() => []), false);
      backendCpu.observe(await backends().catch(() => []), false);
    }
    const due = wallStart + (tick + 1) * TICK_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await Promise.all(inFlight);
  const wallS = (performance.now() - wallStart) / 1000;
  if (dbName !== undefined) pgCpu.observe(await postgresPids(admin, dbName).catch(() => []), false);
  backendCpu.observe(await backends().catch(() => []), false);
  const selfCpu = (cpuSeconds(process.pid) ?? 0) - selfBefore;
  // pg_stat_database lags a backend's commits by up to a second.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const after = dbName === undefined ? undefined : await databaseActivity(admin, dbName);
  latencies.sort((a, b) => a - b);
  const result = {
    backend,
    settings: Object.fromEntries(settings.rows.map((row) => [row.name, row.setting])),
    offeredPerS: rate,
    durationS: Number(wallS.toFixed(1)),
    messages: done,
    failed,
    messagesPerS: Number((done / wallS).toFixed(1)),
    postgresCpuMsPerMessage: dbName === undefined ? undefined : Number(((pgCpu.total() * 1000) / done).toFixed(3)),
    postgresBackendsCpuMsPerMessage: dbName === undefined ? undefined : Number(((backendCpu.total() * 1000) / done).toFixed(3)),
    commitsPerMessage: before && after ? Number(((after.commits - before.commits) / done).toFixed(3)) : undefined,
    writerProcessCpuMsPerMessage: Number(((selfCpu * 1000) / done).toFixed(3)),
    opsPerFlush: Object.fromEntries([...flushes].map(([statement, seen]) => [statement, Number((seen.ops / seen.count).toFixed(1))])),
    messageWritesMs: { p50: Number(percentile(latencies, 50).toFixed(1)), p99: Number(percentile(latencies, 99).toFixed(1)) },
  };
  console.log(JSON.stringify(result, null, 2));
  await admin.end();
  await ledger.close();
  await cleanup();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
