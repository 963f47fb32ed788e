/**
 * `npm run bench` flags. Without --scenario the whole suite runs, short: the peers alone,
 * then each scenario for --duration seconds (the soak shortened unless --soak-full).
 */
import { SCENARIO_NAMES, type ScenarioName } from './scenarios.js';

export interface BenchArgs {
  /** undefined: the whole suite. */
  readonly scenario: ScenarioName | undefined;
  /** Messages per second, 'max' (closed loop under maxOpen), or 'half' (half the last measured max). */
  readonly rate: number | 'max' | 'half' | undefined;
  readonly durationS: number | undefined;
  readonly receiptDelayMs: number;
  readonly maxOpen: number;
  readonly drainS: number;
  readonly soakFull: boolean;
  readonly cpuProf: boolean;
  readonly logLevel: string;
  readonly peers: boolean;
  readonly outDir: string;
  /** Extra gateway settings (HERALD_*=value), e.g. to try a pool size. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
}

export const USAGE = `npm run bench -- [options]
  --scenario gsm1|ucs2x3|fail10|soak   one scenario (default: the whole suite, short)
  --rate N|max|half                    messages/s; max = as fast as it goes under --max-open;
                                       half = half of the last measured max (default max; soak 80% of max)
  --duration S                         seconds of sending (default 30; soak 45, 120 with --soak-full)
  --receipt-delay MS                   simulator receipt delay (default 100)
  --max-open N                         round trips open at once before sending pauses (default 1000)
  --drain S                            stop draining when no IMDN came for S seconds (default 30; at most 180 s)
  --soak-full                          the full 2-minute soak
  --cpu-prof                           V8 CPU profile of the gateway (also HERALD_CPU_PROF=1)
  --log-level LEVEL                    gateway log level (default info, as in production)
  --no-peers                           skip the peers-alone baseline
  --out DIR                            output folder (default test-results/bench)
  --gateway-env NAME=VALUE             an extra gateway setting, e.g. HERALD_DATABASE_POOL_SIZE=20 (repeatable)`;

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number, not ${String(value)}`);
  return n;
}

export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): BenchArgs {
  let scenario: ScenarioName | undefined;
  let rate: BenchArgs['rate'];
  let durationS: number | undefined;
  let receiptDelayMs = 100;
  let maxOpen = 1000;
  let drainS = 30;
  let soakFull = false;
  let cpuProf = env.HERALD_CPU_PROF === '1' || env.HERALD_CPU_PROF === 'true';
  let logLevel = 'info';
  let peers = true;
  let outDir = 'test-results/bench';
  const gatewayEnv: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${String(flag)} needs a value`);
      return v;
    };
    switch (flag) {
      case '--scenario': {
        const v = value();
        if (!(SCENARIO_NAMES as readonly string[]).includes(v)) throw new Error(`unknown scenario ${v} (${SCENARIO_NAMES.join(', ')})`);
        scenario = v as ScenarioName;
        break;
      }
      case '--rate': {
        const v = value();
        rate = v === 'max' || v === 'half' ? v : positive('--rate', v);
        break;
      }
      case '--duration':
        durationS = positive('--duration', value());
        break;
      case '--receipt-delay':
        receiptDelayMs = Number(value());
        if (!Number.isFinite(receiptDelayMs) || receiptDelayMs < 0) throw new Error('--receipt-delay needs ms ≥ 0');
        break;
      case '--max-open':
        maxOpen = positive('--max-open', value());
        break;
      case '--drain':
        drainS = positive('--drain', value());
        break;
      case '--soak-full':
        soakFull = true;
        break;
      case '--cpu-prof':
        cpuProf = true;
        break;
      case '--log-level':
        logLevel = value();
        break;
      case '--no-peers':
        peers = false;
        break;
      case '--out':
        outDir = value();
        break;
      case '--gateway-env': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq <= 0 || !/^(HERALD_[A-Z0-9_]+|DATABASE_URL|REDIS_URL)$/.test(v.slice(0, eq))) throw new Error(`--gateway-env needs HERALD_NAME=value, not ${v}`);
        gatewayEnv[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${String(flag)}\n${USAGE}`);
    }
  }
  return { scenario, rate, durationS, receiptDelayMs, maxOpen, drainS, soakFull, cpuProf, logLevel, peers, outDir, gatewayEnv };
}
