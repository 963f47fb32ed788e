/**
 * A hand-built SVG of a scenario over time (no plotting dependency): rates (sent, 202,
 * IMDNs per second), round-trip p50/p99 and ingress p99 latency (log scale), and the
 * gateway's RSS and CPU.
 */
import type { ScenarioResult } from './report-types.js';

const W = 900;
const PANEL_H = 200;
const M = { left: 60, right: 60, top: 30, bottom: 30 };
const COLORS = { sent: '#888', accepted: '#1f77b4', imdns: '#2ca02c', p50: '#9467bd', p99: '#d62728', ingress: '#ff7f0e', rss: '#17becf', cpu: '#8c564b' };

interface Line {
  readonly values: readonly number[];
  readonly color: string;
  readonly label: string;
  readonly dashed?: boolean;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A nice round upper bound for an axis. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (value <= m * p) return m * p;
  return 10 * p;
}

function panel(y0: number, title: string, seconds: number, left: readonly Line[], leftUnit: string, right: readonly Line[], rightUnit: string, logLeft: boolean): string {
  const plotW = W - M.left - M.right;
  const plotH = PANEL_H - M.top - M.bottom;
  const x = (i: number): number => M.left + (seconds <= 1 ? 0 : (i / (seconds - 1)) * plotW);
  const finite = (lines: readonly Line[]): number[] => lines.flatMap((l) => l.values.filter((v) => Number.isFinite(v)));
  const leftMax = niceMax(Math.max(...finite(left), 0));
  const leftMin = logLeft ? Math.max(0.1, 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...finite(left).filter((v) => v > 0), leftMax))))) : 0;
  const rightMax = niceMax(Math.max(...finite(right), 0));
  const yLeft = (v: number): number => {
    const f = logLeft ? (Math.log10(Math.max(v, leftMin)) - Math.log10(leftMin)) / (Math.log10(leftMax) - Math.log10(leftMin) || 1) : v / leftMax;
    return y0 + M.top + plotH * (1 - f);
  };
  const yRight = (v: number): number => y0 + M.top + plotH * (1 - v / rightMax);
  const path = (line: Line, y: (v: number) => number): string => {
    let d = '';
    let pen = false;
    line.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="1.6"${line.dashed === true ? ' stroke-dasharray="5,3"' : ''}/>`;
  };
  const out: string[] = [];
  out.push(`<text x="${M.left}" y="${y0 + 18}" font-size="13" font-weight="bold">${esc(title)}</text>`);
  out.push(`<rect x="${M.left}" y="${y0 + M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ccc"/>`);
  const ticks = logLeft ? ticksLog(leftMin, leftMax) : [0, leftMax / 4, leftMax / 2, (3 * leftMax) / 4, leftMax];
  for (const t of ticks) {
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${yLeft(t).toFixed(1)}" y2="${yLeft(t).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 4}" y="${(yLeft(t) + 4).toFixed(1)}" font-size="10" text-anchor="end">${formatTick(t)}</text>`);
  }
  out.push(`<text x="12" y="${y0 + M.top + plotH / 2}" font-size="10" transform="rotate(-90 12 ${y0 + M.top + plotH / 2})" text-anchor="middle">${esc(leftUnit)}</text>`);
  if (right.length > 0) {
    for (const t of [0, rightMax / 2, rightMax]) {
      out.push(`<text x="${M.left + plotW + 4}" y="${(yRight(t) + 4).toFixed(1)}" font-size="10">${formatTick(t)}</text>`);
    }
    out.push(`<text x="${W - 8}" y="${y0 + M.top + plotH / 2}" font-size="10" transform="rotate(90 ${W - 8} ${y0 + M.top + plotH / 2})" text-anchor="middle">${esc(rightUnit)}</text>`);
  }
  for (let s = 0; s < seconds; s += Math.max(1, Math.ceil(seconds / 10))) {
    out.push(`<text x="${x(s).toFixed(1)}" y="${y0 + M.top + plotH + 14}" font-size="10" text-anchor="middle">${s}s</text>`);
  }
  for (const line of left) out.push(path(line, yLeft));
  for (const line of right) out.push(path(line, yRight));
  [...left, ...right].forEach((line, i) => {
    const lx = M.left + 280 + i * 120;
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${y0 + 14}" y2="${y0 + 14}" stroke="${line.color}" stroke-width="2"${line.dashed === true ? ' stroke-dasharray="5,3"' : ''}/>`);
    out.push(`<text x="${lx + 22}" y="${y0 + 18}" font-size="11">${esc(line.label)}</text>`);
  });
  return out.join('\n');
}

function ticksLog(min: number, max: number): number[] {
  const out: number[] = [];
  for (let v = min; v <= max * 1.0001; v *= 10) out.push(v);
  return out;
}

function formatTick(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`;
  return v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(1);
}

export function plotScenario(result: ScenarioResult): string {
  const s = result.series;
  const seconds = s.second.length;
  const header = `${result.scenario}: offered ${result.rates.offered}/s, sustained ${result.rates.roundTripSustained} round trips/s — ${result.date.slice(0, 19)}Z, ${result.machine.cpus} × ${result.machine.cpuModel}`;
  const body = [
    `<text x="${M.left}" y="16" font-size="12">${esc(header)}</text>`,
    panel(20, 'Rate (per second)', seconds, [
      { values: s.sent, color: COLORS.sent, label: 'sent', dashed: true },
      { values: s.accepted, color: COLORS.accepted, label: '202' },
      { values: s.imdns, color: COLORS.imdns, label: 'IMDNs' },
    ], 'messages/s', [], '', false),
    panel(20 + PANEL_H, 'Latency (ms, log scale)', seconds, [
      { values: s.roundTripP50, color: COLORS.p50, label: 'round trip p50' },
      { values: s.roundTripP99, color: COLORS.p99, label: 'round trip p99' },
      { values: s.ingressP99, color: COLORS.ingress, label: 'ingress→202 p99' },
    ], 'ms', [], '', true),
    panel(20 + 2 * PANEL_H, 'Gateway process (sampled each second)', Math.max(1, s.gatewayRssMb.length), [
      { values: s.gatewayRssMb, color: COLORS.rss, label: 'RSS MB' },
    ], 'MB', [{ values: s.gatewayCpuPercent, color: COLORS.cpu, label: 'CPU %' }], 'CPU %', false),
  ].join('\n');
  const height = 20 + 3 * PANEL_H + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
