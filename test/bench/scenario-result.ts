/**
 * Turns a run's raw records (message log, samples, CPU totals) into the scenario's
 * figures (report-types.ts).
 */
import { gatewayLogProblems } from './gateway-log.js';
import type { ImdnSink } from './imdn-sink.js';
import type { LoadGenerator } from './load-generator.js';
import type { MessageLog } from './message-log.js';
import type { MachineInfo, ScenarioResult } from './report-types.js';
import type { RunOptions } from './run-scenario.js';
import { percentilePerSecond, percentiles, perSecond, round, slope } from './stats.js';

export interface Sample {
  readonly at: number;
  /** Cumulative CPU seconds of the gateway. */
  readonly gatewayCpu: number;
  readonly rssMb: number;
}

export interface RawRun {
  readonly options: RunOptions;
  readonly machine: MachineInfo;
  readonly log: MessageLog;
  readonly generator: LoadGenerator;
  readonly sink: ImdnSink;
  readonly samples: readonly Sample[];
  readonly startedAt: number;
  readonly sendEnd: number;
  readonly drainEnd: number;
  readonly cpu: { readonly gateway: number; readonly redis: number; readonly postgres: number; readonly bench: number; readonly machine: number };
  readonly peakRssMb: number;
  /** Database commits, rows written and Redis commands over the run. */
  readonly work: {
    readonly dbCommits: number;
    readonly dbRowsWritten: number;
    readonly redisCommands: number;
    readonly redisRoundTrips: number;
    readonly gatewayWrites: number;
    readonly gatewayReads: number;
  };
  readonly simCounters: Readonly<Record<string, number>>;
  readonly gatewayExit: number | string;
  readonly logFile: string;
  readonly cpuProfDir: string | undefined;
  readonly smpp: Readonly<Record<string, unknown>>;
}

/** Warm-up excluded from the steady window: JIT, pools and binds settle in the first seconds. */
function warmUpS(durationS: number): number {
  return Math.min(Math.max(3, durationS * 0.15), durationS / 2);
}

const isSet = (v: number | undefined): v is number => v !== undefined && !Number.isNaN(v);

export async function buildResult(run: RawRun): Promise<ScenarioResult> {
  const { options, log, startedAt, sendEnd } = run;
  const steadyFrom = startedAt + warmUpS(options.durationS) * 1000;
  const steadyS = (sendEnd - steadyFrom) / 1000;

  const ingress: number[] = [];
  const toSubmit: number[] = [];
  const receiptToImdn: number[] = [];
  const roundTrip: number[] = [];
  const sentTimes: number[] = [];
  const acceptedTimes: number[] = [];
  const imdnTimes: number[] = [];
  const rtPairs: [number, number][] = [];
  const ingressPairs: [number, number][] = [];
  let accepted = 0;
  let submitted = 0;
  let expectedSubmits = 0;
  let receipts = 0;
  let receiptsFailed = 0;
  let imdns = 0;
  let delivered = 0;
  let failed = 0;
  let lost = 0;
  let mismatched = 0;
  let retransmits = 0;
  let steadySent = 0;
  let steadyAccepted = 0;
  let steadyImdns = 0;
  const otherAnswers: Record<string, number> = {};

  for (let seq = 1; seq <= log.sent; seq++) {
    const sent = log.sentAt[seq];
    const answered = log.answeredAt[seq];
    const status = log.status[seq] ?? 0;
    const submitAt = log.submitAt[seq];
    const receiptAt = log.receiptAt[seq];
    const imdnAt = log.imdnAt[seq];
    retransmits += log.retransmits[seq] ?? 0;
    submitted += log.submits[seq] ?? 0;
    receipts += log.receipts[seq] ?? 0;
    if (isSet(sent)) sentTimes.push(sent);
    if (status === 202) {
      accepted++;
      expectedSubmits += options.scenario.parts;
      if (isSet(answered)) acceptedTimes.push(answered);
      if (!isSet(imdnAt)) lost++;
    } else if (status !== 0 && status !== 408) {
      otherAnswers[String(status)] = (otherAnswers[String(status)] ?? 0) + 1;
    }
    if (log.receiptFailed[seq] === 1) receiptsFailed++;
    const outcome = log.outcomeOf(seq);
    if (outcome !== undefined && isSet(imdnAt)) {
      imdns++;
      imdnTimes.push(imdnAt);
      if (outcome === 'delivered') delivered++;
      if (outcome === 'failed') failed++;
      if ((outcome === 'failed') !== (log.receiptFailed[seq] === 1) && isSet(receiptAt)) mismatched++;
      if (imdnAt >= steadyFrom && imdnAt <= sendEnd) steadyImdns++;
      if (isSet(sent)) rtPairs.push([imdnAt, imdnAt - sent]);
    }
    if (status === 202 && isSet(answered) && isSet(sent)) ingressPairs.push([answered, answered - sent]);
    if (isSet(answered) && answered >= steadyFrom && answered <= sendEnd && status === 202) steadyAccepted++;
    // Latencies of the messages sent in the steady window.
    if (!isSet(sent) || sent < steadyFrom || sent > sendEnd) continue;
    steadySent++;
    if (status === 202 && isSet(answered)) ingress.push(answered - sent);
    if (status === 202 && isSet(answered) && isSet(submitAt)) toSubmit.push(submitAt - answered);
    if (isSet(receiptAt) && isSet(imdnAt)) receiptToImdn.push(imdnAt - receiptAt);
    if (isSet(imdnAt)) roundTrip.push(imdnAt - sent);
  }

  const seconds = Math.max(1, Math.ceil((run.drainEnd - startedAt) / 1000));
  const rssSeries = run.samples.map((s) => round(s.rssMb));
  const cpuSeries = run.samples.map((s, i) => {
    const prev = run.samples[i - 1];
    if (prev === undefined) return Number.NaN;
    return round(((s.gatewayCpu - prev.gatewayCpu) * 100_000) / Math.max(1, s.at - prev.at), 0);
  });
  const third = Math.max(1, Math.floor(run.samples.length / 3));
  const mean = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const sendSamples = run.samples.filter((s) => s.at <= sendEnd);
  const half = sendSamples.slice(Math.floor(sendSamples.length / 2));

  const errors: Record<string, number> = {};
  for (const [status, n] of Object.entries(otherAnswers)) errors[`SIP ${status} answered`] = n;
  if (run.generator.timeouts > 0) errors['no answer within Timer F (32 s)'] = run.generator.timeouts;
  if (lost > 0) errors['accepted, no IMDN by the end of the drain'] = lost;
  if (mismatched > 0) errors['IMDN outcome differs from the receipt'] = mismatched;
  if (run.sink.unknown > 0) errors['IMDN not about a bench message'] = run.sink.unknown;
  if (submitted > expectedSubmits) errors['submits beyond the parts expected (duplicates)'] = submitted - expectedSubmits;
  for (const name of ['throttled', 'queueFull', 'duplicates', 'discarded'] as const) {
    const n = run.simCounters[name] ?? 0;
    if (n > 0) errors[`simulator ${name}`] = n;
  }
  if (run.gatewayExit !== 0) errors[`gateway exit ${String(run.gatewayExit)}`] = 1;
  Object.assign(errors, await gatewayLogProblems(run.logFile));

  const completed = Math.max(1, imdns);
  const msPer = (s: number): number => round((s * 1000) / completed, 3);
  return {
    scenario: options.scenario.name,
    description: options.scenario.description,
    date: new Date().toISOString(),
    machine: run.machine,
    command: options.command,
    config: {
      rate: options.rate,
      maxOpen: options.maxOpen,
      durationS: options.durationS,
      receiptDelayMs: options.receiptDelayMs,
      partsPerMessage: options.scenario.parts,
      failureRatio: options.scenario.failureRatio,
      gatewayLogLevel: options.logLevel,
      gatewayEnv: options.gatewayEnv,
      smpp: run.smpp,
      cpuProfile: run.cpuProfDir,
    },
    counts: {
      sent: log.sent,
      accepted,
      otherAnswers,
      timeouts: run.generator.timeouts,
      retransmits,
      submitted,
      expectedSubmits,
      receipts,
      receiptsFailed,
      imdns,
      imdnsDelivered: delivered,
      imdnsFailed: failed,
      imdnRepeats: run.sink.repeats,
      lost,
      mismatched,
      imdnKinds: Object.fromEntries(run.sink.kinds),
    },
    rates: {
      offered: options.rate,
      sent: round(steadySent / steadyS),
      accepted: round(steadyAccepted / steadyS),
      roundTripSustained: round(steadyImdns / steadyS),
      steadyWindowS: [round((steadyFrom - startedAt) / 1000), round((sendEnd - startedAt) / 1000)],
    },
    latencyMs: {
      ingressTo202: percentiles(ingress),
      acceptedToSubmit: percentiles(toSubmit),
      receiptToImdn: percentiles(receiptToImdn),
      roundTrip: percentiles(roundTrip),
    },
    cpu: {
      seconds: {
        gateway: round(run.cpu.gateway, 2),
        redis: round(run.cpu.redis, 2),
        postgres: round(run.cpu.postgres, 2),
        bench: round(run.cpu.bench, 2),
        machine: round(run.cpu.machine, 2),
        // Busy CPU of processes outside the bench (another test run on the machine): figures
        // measured while this is large are low.
        other: round(Math.max(0, run.cpu.machine - run.cpu.gateway - run.cpu.redis - run.cpu.postgres - run.cpu.bench), 2),
      },
      machineCores: run.machine.cpus,
      wallSeconds: round((run.drainEnd - startedAt) / 1000, 1),
      msPerMessage: {
        gateway: msPer(run.cpu.gateway),
        redis: msPer(run.cpu.redis),
        postgres: msPer(run.cpu.postgres),
        all: msPer(run.cpu.gateway + run.cpu.redis + run.cpu.postgres),
      },
    },
    workPerMessage: {
      dbCommits: round(run.work.dbCommits / completed, 2),
      dbRowsWritten: round(run.work.dbRowsWritten / completed, 2),
      redisCommands: round(run.work.redisCommands / completed, 2),
      redisRoundTrips: round(run.work.redisRoundTrips / completed, 3),
      gatewayWriteSyscalls: round(run.work.gatewayWrites / completed, 2),
      gatewayReadSyscalls: round(run.work.gatewayReads / completed, 2),
    },
    memory: {
      gatewayPeakRssMb: round(run.peakRssMb),
      gatewayRssFirstThirdMb: round(mean(run.samples.slice(0, third).map((s) => s.rssMb))),
      gatewayRssLastThirdMb: round(mean(run.samples.slice(-third).map((s) => s.rssMb))),
      gatewayRssSlopeMbPerMin: round(slope(half.map((s) => (s.at - startedAt) / 60_000), half.map((s) => s.rssMb)), 2),
    },
    errors,
    series: {
      second: Array.from({ length: seconds }, (_, i) => i),
      sent: perSecond(sentTimes, startedAt, seconds),
      accepted: perSecond(acceptedTimes, startedAt, seconds),
      imdns: perSecond(imdnTimes, startedAt, seconds),
      roundTripP50: percentilePerSecond(rtPairs, startedAt, seconds, 0.5),
      roundTripP99: percentilePerSecond(rtPairs, startedAt, seconds, 0.99),
      ingressP99: percentilePerSecond(ingressPairs, startedAt, seconds, 0.99),
      gatewayRssMb: rssSeries,
      gatewayCpuPercent: cpuSeries,
    },
  };
}
