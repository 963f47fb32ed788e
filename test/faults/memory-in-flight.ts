/**
 * Memory with many messages in flight: pushes `count` SIP MESSAGEs into a gateway process
 * whose SMSC refuses every bind (all of them wait in the queues), then lets the SMSC take
 * them without ever sending a receipt (all of them wait at the far side), and samples the
 * gateway's RSS throughout. It also floods receipts for unknown ids and checks they are
 * held in the ledger and expire after `smpp.heldReceiptTtlMs`.
 *
 * What it shows: the gateway keeps no per-message state in memory: messages wait in the
 * ledger and Redis, not in the process. The CI test (test/e2e/faults/memory-bounded.test.ts)
 * runs it small; the figure is run by hand with memory-in-flight-cli.ts:
 *
 *   npx vite-node test/faults/memory-in-flight-cli.ts -- --count 100000
 *
 * (starts its own PostgreSQL cluster and redis-server; needs their binaries installed).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { gatewayEnv, runLoad, startImUser, statusCounts } from '../helpers/fault-load.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { startPrivatePostgres, startPrivateRedis } from '../helpers/private-services.js';
import { SmscSimulator } from '../sim/smsc-sim.js';

export interface MemoryRunOptions {
  readonly count: number;
  /** MESSAGEs awaiting their answer at once. @defaultValue 100 */
  readonly concurrency?: number;
  /**
   * The gateway's V8 heap cap, as production sets it (the Kubernetes manifest runs with
   * --max-old-space-size=384): memory that grew with the messages would end in a crash.
   * @defaultValue 384
   */
  readonly heapMb?: number;
  /** Receipts for unknown ids injected to check held-receipt expiry. @defaultValue 500 */
  readonly unknownReceipts?: number;
  readonly log?: (line: string) => void;
}

export interface MemoryRunResult {
  readonly count: number;
  readonly accepted: number;
  readonly statuses: Record<number, number>;
  readonly injectSeconds: number;
  /** RSS after start, idle. */
  readonly baselineRssMb: number;
  /** Peak RSS while every message waited in the queues (SMSC refusing binds). */
  readonly queuedPeakRssMb: number;
  /** Peak RSS while they were submitted and then waited for receipts at the SMSC. */
  readonly submittedPeakRssMb: number;
  /** RSS once everything was submitted and the process had settled. */
  readonly settledRssMb: number;
  readonly submitted: number;
  /** Unknown-id receipts held at the peak, and left after their TTL. */
  readonly heldPeak: number;
  readonly heldAfterTtl: number;
  readonly totalSeconds: number;
}

const HELD_TTL_MS = 3_000;

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return 0;
  }
}

async function count(databaseUrl: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(sql);
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function runMemoryInFlight(options: MemoryRunOptions): Promise<MemoryRunResult> {
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  // Private PostgreSQL and Redis: a long run must not load (or be cleaned up by) the
  // shared test services other suites use meanwhile.
  const postgres = await startPrivatePostgres();
  const redis = await startPrivateRedis();
  const db = { url: postgres.url };
  // No receipts at all: once submitted, every message stays in flight at the SMSC.
  const sim = new SmscSimulator({ receipts: { enabled: false } });
  await sim.start();
  sim.refuseBinds(24 * 3_600_000);
  const user = await startImUser(8_000);
  const env = gatewayEnv({
    databaseUrl: db.url,
    redisUrl: redis.url,
    prefix: `fault-mem-${randomBytes(4).toString('hex')}`,
    smscPort: sim.port ?? 0,
    connection: { maxPerSecond: 2_000, windowSize: 50 },
    extra: {
      HERALD_INGRESS_BACKLOG_LIMIT: String(options.count * 2 + 1_000),
      HERALD_SMPP_HELD_RECEIPT_TTL_MS: String(HELD_TTL_MS),
      NODE_OPTIONS: `--max-old-space-size=${options.heapMb ?? 384}`,
    },
  });
  const gateway = await startGatewayProcess({ env });
  const pid = gateway.child.pid ?? 0;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 250);
  try {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const baselineRssMb = rssMb(pid);
    log(`baseline RSS ${baselineRssMb} MB; pushing ${options.count} MESSAGEs`);

    const injectStart = Date.now();
    let lastReport = 0;
    const sent = await runLoad({
      user,
      ports: () => [gateway.sipPort],
      ratePerSecond: 100_000,
      until: () => {
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          log(`  … RSS ${rssMb(pid)} MB`);
        }
        return false;
      },
      maxMessages: options.count,
      maxInFlight: options.concurrency ?? 100,
      label: `mem-${randomBytes(3).toString('hex')}`,
    });
    const injectSeconds = (Date.now() - injectStart) / 1000;
    const accepted = sent.filter((m) => m.status === 202).length;
    // Let the workers try (and fail to find a bind) for a while with everything queued.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const queuedPeakRssMb = peak;
    log(`${accepted} accepted in ${injectSeconds} s (${JSON.stringify(statusCounts(sent))}); queued peak RSS ${queuedPeakRssMb} MB`);

    peak = 0;
    sim.refuseBinds(0);
    await until('every accepted message submitted', 120_000 + options.count * 10, async () => {
      const submitted = await count(db.url, "select count(*) as n from deliveries where state = 'submitted'");
      return submitted >= accepted;
    });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const submittedPeakRssMb = peak;
    const settledRssMb = rssMb(pid);
    if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) {
      throw new Error(`the gateway died with messages in flight (${gateway.child.exitCode ?? gateway.child.signalCode}): ${gateway.stderr().slice(-500)}`);
    }
    const submitted = await count(db.url, "select count(*) as n from deliveries where state = 'submitted'");
    log(`${submitted} submitted, awaiting receipts; peak RSS ${submittedPeakRssMb} MB, settled ${settledRssMb} MB`);

    // Receipts nobody asked for: held in the ledger, not in memory, and dropped after the TTL.
    const unknown = options.unknownReceipts ?? 500;
    for (let i = 0; i < unknown; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, unknown - i) }, (_, j) => sim.injectReceipt({ messageId: `unknown-${i + j}`, stat: 'DELIVRD' })),
      );
    }
    const heldPeak = await count(db.url, 'select count(*) as n from held_receipts');
    await new Promise((resolve) => setTimeout(resolve, HELD_TTL_MS + 3_000));
    const heldAfterTtl = await count(db.url, 'select count(*) as n from held_receipts');
    log(`unknown receipts: ${heldPeak} held, ${heldAfterTtl} left after the ${HELD_TTL_MS} ms TTL`);

    return {
      count: options.count,
      accepted,
      statuses: statusCounts(sent),
      injectSeconds,
      baselineRssMb,
      queuedPeakRssMb,
      submittedPeakRssMb,
      settledRssMb,
      submitted,
      heldPeak,
      heldAfterTtl,
      totalSeconds: (Date.now() - began) / 1000,
    };
  } finally {
    clearInterval(sampler);
    await gateway.stop('SIGKILL');
    await user.stop();
    await sim.stop();
    await redis.destroy();
    await postgres.destroy();
  }
}
