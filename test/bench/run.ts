/**
 * `npm run bench`: the whole round trip under load (issue 10). See args.ts for the flags
 * and docs/performance.md for what the figures mean.
 *
 * Every run is bounded: sending stops after --duration, the drain after --drain, and a
 * watchdog ends the process if anything hangs beyond the suite's budget.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type BenchArgs } from './args.js';
import { measurePeers } from './peers-baseline.js';
import { plotScenario } from './plot.js';
import type { PeersResult, ScenarioResult } from './report-types.js';
import { runScenario } from './run-scenario.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
import { describePeers, describeScenario, markdownTable } from './summary.js';

const PEERS_S = 5;
const PROBE_S = 15;
const SOAK_SHORT_S = 45;
const SOAK_FULL_S = 120;
const SOAK_SHARE = 0.8;
/** Extra time per scenario for setup, drain and teardown, for the watchdog. */
const OVERHEAD_S = 90;

interface Planned {
  readonly label: string;
  readonly scenario: ScenarioName;
  /** A number, 'max', or a share of the measured maximum. */
  readonly rate: number | 'max' | { readonly shareOfMax: number };
  readonly durationS: number;
}

function plan(args: BenchArgs): Planned[] {
  const d = args.durationS ?? 30;
  const soakS = args.durationS ?? (args.soakFull ? SOAK_FULL_S : SOAK_SHORT_S);
  const rateOf = (fallback: Planned['rate']): Planned['rate'] =>
    args.rate === undefined ? fallback : args.rate === 'half' ? { shareOfMax: 0.5 } : args.rate;
  if (args.scenario === undefined) {
    return [
      { label: 'gsm1', scenario: 'gsm1', rate: 'max', durationS: d },
      { label: 'gsm1-half', scenario: 'gsm1', rate: { shareOfMax: 0.5 }, durationS: d },
      { label: 'ucs2x3', scenario: 'ucs2x3', rate: 'max', durationS: d },
      { label: 'fail10', scenario: 'fail10', rate: 'max', durationS: d },
      { label: 'soak', scenario: 'soak', rate: { shareOfMax: SOAK_SHARE }, durationS: soakS },
    ];
  }
  if (args.scenario === 'soak') return [{ label: 'soak', scenario: 'soak', rate: rateOf({ shareOfMax: SOAK_SHARE }), durationS: soakS }];
  const rate = rateOf('max');
  const label = typeof rate === 'object' ? `${args.scenario}-half` : args.scenario;
  return [{ label, scenario: args.scenario, rate, durationS: d }];
}

function maxFile(outDir: string): string {
  return join(outDir, 'max.json');
}

function readMax(outDir: string): number | undefined {
  try {
    const saved = JSON.parse(readFileSync(maxFile(outDir), 'utf8')) as { roundTripsPerSecond?: number };
    return typeof saved.roundTripsPerSecond === 'number' && saved.roundTripsPerSecond > 0 ? saved.roundTripsPerSecond : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), process.env);
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  mkdirSync(args.outDir, { recursive: true });
  const runs = plan(args);
  const budgetS = runs.reduce((sum, run) => sum + run.durationS + args.drainS + OVERHEAD_S, PEERS_S * 2 + 60 + PROBE_S + OVERHEAD_S);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: watchdog: still running after ${budgetS} s, giving up\n`);
    process.exit(2);
  }, budgetS * 1000);
  watchdog.unref();

  let peers: PeersResult | undefined;
  if (args.peers) {
    process.stderr.write('bench: measuring the peers alone…\n');
    peers = await measurePeers(PEERS_S);
    writeFileSync(join(args.outDir, 'peers.json'), `${JSON.stringify(peers, null, 2)}\n`);
    process.stdout.write(`${describePeers(peers)}\n`);
  }

  const results: [string, ScenarioResult][] = [];
  let measuredMax = readMax(args.outDir);
  for (const run of runs) {
    let rate: number | 'max';
    if (typeof run.rate === 'object') {
      if (measuredMax === undefined) {
        process.stderr.write(`bench: no measured maximum yet; probing gsm1 at max for ${PROBE_S} s\n`);
        const probe = await runScenario({ ...common(args, command), scenario: SCENARIOS.gsm1, label: 'probe', rate: 'max', durationS: PROBE_S });
        measuredMax = probe.rates.roundTripSustained;
      }
      rate = Math.max(1, Math.round(measuredMax * run.rate.shareOfMax));
    } else {
      rate = run.rate;
    }
    process.stderr.write(`bench: ${run.label} at ${rate}/s for ${run.durationS} s\n`);
    const result = await runScenario({ ...common(args, command), scenario: SCENARIOS[run.scenario], label: run.label, rate, durationS: run.durationS });
    writeFileSync(join(args.outDir, `${run.label}.json`), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(args.outDir, `${run.label}.svg`), plotScenario(result));
    process.stdout.write(`${describeScenario(result, run.label)}\n`);
    results.push([run.label, result]);
    if (run.scenario === 'gsm1' && rate === 'max') {
      measuredMax = result.rates.roundTripSustained;
      writeFileSync(maxFile(args.outDir), `${JSON.stringify({ roundTripsPerSecond: measuredMax, date: result.date }, null, 2)}\n`);
    }
  }
  const table = markdownTable(results, peers);
  writeFileSync(join(args.outDir, 'summary.md'), `${table}\n`);
  process.stdout.write(`\n${table}\n\nresults in ${args.outDir}/ (JSON, SVG plots, gateway logs)\n`);
}

function common(args: BenchArgs, command: string) {
  return {
    receiptDelayMs: args.receiptDelayMs,
    maxOpen: args.maxOpen,
    drainS: args.drainS,
    outDir: args.outDir,
    cpuProf: args.cpuProf,
    logLevel: args.logLevel,
    gatewayEnv: args.gatewayEnv,
    command,
  } as const;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
