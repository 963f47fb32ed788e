/**
 * The shape of test-results/bench/<scenario>.json.
 */
import type { Percentiles } from './stats.js';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly kernel: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly description: string;
  readonly date: string;
  readonly machine: MachineInfo;
  readonly command: string;
  readonly config: {
    readonly rate: number | 'max';
    readonly maxOpen: number;
    readonly durationS: number;
    readonly receiptDelayMs: number;
    readonly partsPerMessage: number;
    readonly failureRatio: number;
    readonly gatewayLogLevel: string;
    readonly gatewayEnv: Readonly<Record<string, string>>;
    readonly smpp: Readonly<Record<string, unknown>>;
    readonly cpuProfile?: string | undefined;
  };
  readonly counts: {
    readonly sent: number;
    readonly accepted: number;
    readonly otherAnswers: Readonly<Record<string, number>>;
    readonly timeouts: number;
    readonly retransmits: number;
    readonly submitted: number;
    readonly expectedSubmits: number;
    readonly receipts: number;
    readonly receiptsFailed: number;
    readonly imdns: number;
    readonly imdnsDelivered: number;
    readonly imdnsFailed: number;
    readonly imdnRepeats: number;
    /** Accepted (202) with no IMDN by the end of the drain. */
    readonly lost: number;
    /** IMDN outcome different from the receipt the simulator sent. */
    readonly mismatched: number;
    readonly imdnKinds: Readonly<Record<string, number>>;
  };
  readonly rates: {
    readonly offered: number | 'max';
    readonly sent: number;
    readonly accepted: number;
    /** IMDNs received per second over the steady window. */
    readonly roundTripSustained: number;
    readonly steadyWindowS: readonly [number, number];
  };
  readonly latencyMs: {
    readonly ingressTo202: Percentiles;
    readonly acceptedToSubmit: Percentiles;
    readonly receiptToImdn: Percentiles;
    readonly roundTrip: Percentiles;
  };
  readonly cpu: {
    readonly seconds: {
      readonly gateway: number;
      readonly redis: number;
      readonly postgres: number;
      readonly bench: number;
      /** Busy CPU of the whole machine over the run. */
      readonly machine: number;
      /** Busy CPU of everything else (other processes competing for the cores). */
      readonly other: number;
    };
    readonly machineCores: number;
    readonly wallSeconds: number;
    /** CPU ms per completed round trip, from first send to the end of the drain. */
    readonly msPerMessage: { readonly gateway: number; readonly redis: number; readonly postgres: number; readonly all: number };
  };
  /** Work per completed round trip: database commits (each autocommit statement is one), rows written, Redis commands (the server may be shared). */
  readonly workPerMessage: {
    readonly dbCommits: number;
    readonly dbRowsWritten: number;
    readonly redisCommands: number;
    /** Requests and pipelines Redis read (`total_reads_processed`), whatever they carried. */
    readonly redisRoundTrips: number;
    /** write/writev system calls of the gateway (socket round trips to PostgreSQL, Redis, SMPP; log writes). */
    readonly gatewayWriteSyscalls: number;
    readonly gatewayReadSyscalls: number;
  };
  readonly memory: {
    readonly gatewayPeakRssMb: number;
    readonly gatewayRssFirstThirdMb: number;
    readonly gatewayRssLastThirdMb: number;
    readonly gatewayRssSlopeMbPerMin: number;
  };
  readonly errors: Readonly<Record<string, number>>;
  readonly series: {
    readonly second: readonly number[];
    readonly sent: readonly number[];
    readonly accepted: readonly number[];
    readonly imdns: readonly number[];
    readonly roundTripP50: readonly number[];
    readonly roundTripP99: readonly number[];
    readonly ingressP99: readonly number[];
    readonly gatewayRssMb: readonly number[];
    readonly gatewayCpuPercent: readonly number[];
  };
}

export interface PeersResult {
  readonly date: string;
  /** The load generator against a UAS answering 202 at once. */
  readonly sipLoadGenerator: { readonly perSecond: number; readonly ingressTo202: Percentiles; readonly sent: number; readonly answered: number; readonly durationS: number };
  /** Herald's own ESME (adapters/smpp) against the simulator: submits and receipts alone. */
  readonly smpp: { readonly submitsPerSecond: number; readonly receiptsPerSecond: number; readonly submitRtt: Percentiles; readonly submitted: number; readonly durationS: number };
}
