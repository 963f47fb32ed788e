/**
 * One scenario end to end: simulator, gateway, IMDN sink, load generator; sample the
 * processes every second; stop sending after the duration, drain, then measure.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../helpers/postgres.js';
import { nowMs } from './clock.js';
import { BENCH_SMPP_CONNECTION, startGatewayStack } from './gateway-stack.js';
import { ImdnSink } from './imdn-sink.js';
import { LoadGenerator } from './load-generator.js';
import { MessageLog } from './message-log.js';
import { machineInfo } from './machine.js';
import { startPeer } from './peers.js';
import { CpuGroup, cpuSeconds, databaseActivity, machineBusySeconds, memoryMb, postgresPids, redisCommands, redisPid, syscalls } from './proc-stats.js';
import { Progress } from './progress.js';
import type { ScenarioResult } from './report-types.js';
import { buildResult, type Sample } from './scenario-result.js';
import type { Scenario } from './scenarios.js';

export interface RunOptions {
  readonly scenario: Scenario;
  /** Name of the output files (a scenario may run twice, e.g. gsm1 and gsm1-half). */
  readonly label: string;
  readonly rate: number | 'max';
  readonly durationS: number;
  readonly receiptDelayMs: number;
  readonly maxOpen: number;
  readonly drainS: number;
  readonly outDir: string;
  readonly cpuProf: boolean;
  readonly logLevel: string;
  readonly gatewayEnv: Readonly<Record<string, string>>;
  readonly command: string;
}

const SAMPLE_MS = 1000;
/** Longest drain after sending stops, however slowly IMDNs still trickle in. */
const DRAIN_CAP_S = 180;

export async function runScenario(options: RunOptions): Promise<ScenarioResult> {
  const { scenario } = options;
  const runId = randomBytes(3).toString('hex');
  const capacity = Math.ceil((options.rate === 'max' ? 6000 : options.rate * 1.05) * options.durationS) + 1000;
  const log = new MessageLog(capacity);
  const smsc = await startPeer({ mode: 'smsc', receiptDelayMs: options.receiptDelayMs, failureRatio: scenario.failureRatio }, (events) => {
    for (let i = 0; i + 1 < events.submits.length; i += 2) log.recordSubmit(events.submits[i] ?? 0, events.submits[i + 1] ?? 0);
    for (let i = 0; i + 2 < events.receipts.length; i += 3) {
      log.recordReceipt(events.receipts[i] ?? 0, events.receipts[i + 1] ?? 0, events.receipts[i + 2] === 1);
    }
  });
  const cpuProfDir = options.cpuProf ? join(options.outDir, 'prof', options.label) : undefined;
  const logFile = join(options.outDir, `${options.label}.gateway.log`);
  const stack = await startGatewayStack({ label: scenario.name, smscPort: smsc.port, logFile, cpuProfDir, logLevel: options.logLevel, env: options.gatewayEnv }).catch(async (err: unknown) => {
    await smsc.stop();
    throw err;
  });
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  let generator: LoadGenerator | undefined;
  let sink: ImdnSink | undefined;
  try {
    // The sink's port goes into every CPIM From, so the sink binds first and learns its
    // generator after.
    let roundTripDone = (): void => undefined;
    sink = new ImdnSink(runId, log, () => roundTripDone());
    const sinkRef = sink;
    const sinkPort = await sink.bind();
    generator = new LoadGenerator({ scenario, runId, gatewayPort: stack.sipPort, sinkPort, rate: options.rate, maxOpen: options.maxOpen, waitForImdn: true, log });
    const active = generator;
    roundTripDone = () => active.roundTripDone();
    await active.bind();

    const redisProcess = await redisPid(stack.redis);
    const postgres = new CpuGroup();
    postgres.observe(await postgresPids(admin, stack.db.name), true);
    const gatewayCpu0 = cpuSeconds(stack.pid) ?? 0;
    const redisCpu0 = redisProcess === undefined ? 0 : (cpuSeconds(redisProcess) ?? 0);
    const benchCpu0 = process.cpuUsage();
    const machine0 = machineBusySeconds();
    const syscalls0 = syscalls(stack.pid);
    const db0 = await databaseActivity(admin, stack.db.name);
    const redisCommands0 = await redisCommands(stack.redis);
    const samples: Sample[] = [];
    const progress = new Progress();
    const totalS = options.durationS;

    active.start();
    const startedAt = active.startedAt;
    let lastGatewayCpu = gatewayCpu0;
    let lastSent = 0;
    let lastImdns = 0;
    let imdns = 0;
    const takeSample = async (phase: 'sending' | 'draining'): Promise<void> => {
      const at = nowMs();
      const gatewayCpu = cpuSeconds(stack.pid) ?? lastGatewayCpu;
      const memory = memoryMb(stack.pid);
      postgres.observe(await postgresPids(admin, stack.db.name).catch(() => []), false);
      let accepted = 0;
      imdns = 0;
      for (let seq = 1; seq <= log.sent; seq++) {
        if (log.status[seq] === 202) accepted++;
        if (!Number.isNaN(log.imdnAt[seq] ?? Number.NaN)) imdns++;
      }
      const sample: Sample = { at, gatewayCpu, rssMb: memory?.rss ?? Number.NaN };
      samples.push(sample);
      progress.update({
        label: options.label,
        elapsedS: (at - startedAt) / 1000,
        totalS,
        phase,
        sent: log.sent,
        accepted,
        imdns,
        sentPerS: log.sent - lastSent,
        imdnsPerS: imdns - lastImdns,
        open: active.open,
        rssMb: sample.rssMb,
        cpuPercent: (gatewayCpu - lastGatewayCpu) * 100,
      });
      lastGatewayCpu = gatewayCpu;
      lastSent = log.sent;
      lastImdns = imdns;
    };

    const sampler = setInterval(() => void takeSample('sending'), SAMPLE_MS);
    await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000));
    active.stopSending();
    const sendEnd = nowMs();
    clearInterval(sampler);

    // Drain: until every MESSAGE is answered and every accepted one's IMDN is in, or no IMDN
    // came for --drain seconds (stuck), or DRAIN_CAP_S passed (bounded whatever happens).
    const drainCap = sendEnd + DRAIN_CAP_S * 1000;
    let nextSample = nowMs() + SAMPLE_MS;
    let lastProgressAt = nowMs();
    let lastOpen = Number.POSITIVE_INFINITY;
    for (;;) {
      let open = active.unanswered;
      for (let seq = 1; seq <= log.sent; seq++) {
        if (log.status[seq] === 202 && Number.isNaN(log.imdnAt[seq] ?? Number.NaN)) open++;
      }
      if (open < lastOpen) lastProgressAt = nowMs();
      lastOpen = open;
      if (open === 0 || nowMs() - lastProgressAt > options.drainS * 1000 || nowMs() > drainCap) break;
      if (nowMs() >= nextSample) {
        await takeSample('draining');
        nextSample += SAMPLE_MS;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const drainEnd = nowMs();
    await takeSample('draining');
    progress.done();

    const gatewayCpu = (cpuSeconds(stack.pid) ?? lastGatewayCpu) - gatewayCpu0;
    const redisCpu = redisProcess === undefined ? 0 : (cpuSeconds(redisProcess) ?? redisCpu0) - redisCpu0;
    postgres.observe(await postgresPids(admin, stack.db.name).catch(() => []), false);
    const benchUsage = process.cpuUsage(benchCpu0);
    const machineBusy = machineBusySeconds() - machine0;
    const syscalls1 = syscalls(stack.pid);
    const db1 = await databaseActivity(admin, stack.db.name);
    const redisCommands1 = await redisCommands(stack.redis);
    const peakRssMb = memoryMb(stack.pid)?.peak ?? Number.NaN;
    active.close();
    sink.close();
    const exit = await stack.stop();
    const simCounters = await smsc.stop();

    return await buildResult({
      options,
      machine: machineInfo(),
      log,
      generator: active,
      sink: sinkRef,
      samples,
      startedAt,
      sendEnd,
      drainEnd,
      cpu: { gateway: gatewayCpu, redis: redisCpu, postgres: postgres.total(), bench: (benchUsage.user + benchUsage.system) / 1e6, machine: machineBusy },
      peakRssMb,
      work: {
        dbCommits: db1.commits - db0.commits,
        dbRowsWritten: db1.rowsWritten - db0.rowsWritten,
        redisCommands: redisCommands1.commands - redisCommands0.commands,
        redisRoundTrips: redisCommands1.roundTrips - redisCommands0.roundTrips,
        gatewayWrites: (syscalls1?.writes ?? Number.NaN) - (syscalls0?.writes ?? Number.NaN),
        gatewayReads: (syscalls1?.reads ?? Number.NaN) - (syscalls0?.reads ?? Number.NaN),
      },
      simCounters,
      gatewayExit: exit,
      logFile,
      cpuProfDir,
      smpp: { ...BENCH_SMPP_CONNECTION, host: undefined, password: undefined },
    });
  } catch (err) {
    generator?.close();
    sink?.close();
    await stack.stop();
    await smsc.stop();
    throw err;
  } finally {
    await admin.end();
  }
}
