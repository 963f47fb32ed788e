/**
 * The human side of the report: a block per scenario, and a markdown table of the suite
 * (test-results/bench/summary.md, the table in docs/performance.md is copied from it).
 */
import type { PeersResult, ScenarioResult } from './report-types.js';
import type { Percentiles } from './stats.js';

function pct(p: Percentiles): string {
  return `p50 ${p.p50} / p95 ${p.p95} / p99 ${p.p99} / max ${p.max} ms (n=${p.count})`;
}

export function describeScenario(r: ScenarioResult, label: string): string {
  const c = r.counts;
  const lines = [
    `── ${label}: ${r.description}`,
    `   offered ${r.rates.offered}/s for ${r.config.durationS} s; steady window ${r.rates.steadyWindowS[0]}–${r.rates.steadyWindowS[1]} s`,
    `   sent ${r.rates.sent}/s, accepted ${r.rates.accepted}/s, round trips sustained ${r.rates.roundTripSustained}/s`,
    `   messages: sent ${c.sent}, 202 ${c.accepted}, submits ${c.submitted}/${c.expectedSubmits}, receipts ${c.receipts} (${c.receiptsFailed} failed),` +
      ` IMDNs ${c.imdns} (${c.imdnsDelivered} delivered, ${c.imdnsFailed} failed), lost ${c.lost}, retransmits ${c.retransmits}`,
    `   ingress → 202      ${pct(r.latencyMs.ingressTo202)}`,
    `   202 → submit_sm    ${pct(r.latencyMs.acceptedToSubmit)}`,
    `   receipt → IMDN     ${pct(r.latencyMs.receiptToImdn)}`,
    `   round trip         ${pct(r.latencyMs.roundTrip)}`,
    `   CPU ms/message: gateway ${r.cpu.msPerMessage.gateway}, PostgreSQL ${r.cpu.msPerMessage.postgres}, Redis ${r.cpu.msPerMessage.redis}` +
      ` (bench itself ${r.cpu.seconds.bench} s; other processes on the machine ${r.cpu.seconds.other} s of ${r.cpu.seconds.machine} s busy in ${r.cpu.wallSeconds} s × ${r.cpu.machineCores} cores)`,
    `   work/message: ${r.workPerMessage.dbCommits} DB commits, ${r.workPerMessage.dbRowsWritten} rows written, ${r.workPerMessage.redisCommands} Redis commands in ${r.workPerMessage.redisRoundTrips} round trips, gateway write syscalls ${r.workPerMessage.gatewayWriteSyscalls} / reads ${r.workPerMessage.gatewayReadSyscalls}`,
    `   gateway RSS: peak ${r.memory.gatewayPeakRssMb} MB, first third ${r.memory.gatewayRssFirstThirdMb} MB, last third ${r.memory.gatewayRssLastThirdMb} MB, slope ${r.memory.gatewayRssSlopeMbPerMin} MB/min`,
  ];
  const errors = Object.entries(r.errors);
  lines.push(errors.length === 0 ? '   errors: none' : `   errors: ${errors.map(([k, n]) => `${k} ×${n}`).join('; ')}`);
  return lines.join('\n');
}

export function describePeers(p: PeersResult): string {
  return [
    '── peers alone (no gateway)',
    `   SIP load generator → UAS answering 202: ${p.sipLoadGenerator.perSecond}/s, ${pct(p.sipLoadGenerator.ingressTo202)}`,
    `   Herald's ESME → SMSC simulator: ${p.smpp.submitsPerSecond} submits/s, ${p.smpp.receiptsPerSecond} receipts/s, submit RTT ${pct(p.smpp.submitRtt)}`,
  ].join('\n');
}

export function markdownTable(results: readonly (readonly [string, ScenarioResult])[], peers: PeersResult | undefined): string {
  const head =
    '| scenario | offered /s | round trips /s sustained | lost | ingress→202 p50/p99 ms | 202→submit p99 ms | receipt→IMDN p99 ms | round trip p50/p99 ms | CPU ms/msg gateway / PG / Redis | gateway peak RSS MB (slope MB/min) | CPU taken by other processes |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = results.map(([label, r]) =>
    [
      label,
      String(r.rates.offered === 'max' ? `max (≤${r.config.maxOpen} open)` : r.rates.offered),
      String(r.rates.roundTripSustained),
      String(r.counts.lost + r.counts.timeouts),
      `${r.latencyMs.ingressTo202.p50} / ${r.latencyMs.ingressTo202.p99}`,
      String(r.latencyMs.acceptedToSubmit.p99),
      String(r.latencyMs.receiptToImdn.p99),
      `${r.latencyMs.roundTrip.p50} / ${r.latencyMs.roundTrip.p99}`,
      `${r.cpu.msPerMessage.gateway} / ${r.cpu.msPerMessage.postgres} / ${r.cpu.msPerMessage.redis}`,
      `${r.memory.gatewayPeakRssMb} (${r.memory.gatewayRssSlopeMbPerMin})`,
      // Figures measured while other processes took much of the machine are low.
      `${Math.round((100 * r.cpu.seconds.other) / Math.max(1, r.cpu.wallSeconds * r.cpu.machineCores))}%`,
    ].join(' | '),
  );
  const table = [head, ...rows.map((row) => `| ${row} |`)].join('\n');
  if (peers === undefined) return table;
  return `${table}\n\nPeers alone: load generator → 202 UAS ${peers.sipLoadGenerator.perSecond}/s; Herald ESME → simulator ${peers.smpp.submitsPerSecond} submits/s, ${peers.smpp.receiptsPerSecond} receipts/s.`;
}
