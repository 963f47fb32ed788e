/**
 * Reads a V8 CPU profile (`--cpu-prof`, written by the gateway at exit when the bench runs
 * with --cpu-prof) and prints where the time went: by area (a package under node_modules,
 * a folder of Herald, GC, idle), by function (self time) and by Herald function
 * (inclusive time). A flame graph needs a browser; this needs a terminal.
 *
 *   node dist/test/bench/profile-summary.js test-results/bench/prof/gsm1/<file>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

/** Which part of the code a frame belongs to: a package, a Herald folder, or V8 itself. */
export function areaOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const herald = /\/dist\/((?:src|adapters|queues)\/[^/]+)/.exec(url)?.[1];
  if (herald !== undefined) return herald.replace(/\.js$/, '');
  return url.replace(/^file:\/\//, '');
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/(node_modules|dist)\//, '').replace(/^file:\/\//, '');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

export function summarise(profile: CpuProfile, top: number): string {
  const totalUs = profile.endTime - profile.startTime;
  const samples = profile.samples?.length ?? profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const usPerSample = totalUs / Math.max(1, samples);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByArea = new Map<string, number>();
  // Native frames (writev, crypto…) charged to the nearest JavaScript area that called them:
  // "(native) 40%" says nothing, "pg 25%" says who to batch.
  const chargedByArea = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclusiveHerald = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const area = areaOf(node.callFrame);
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + hits);
    let charged = area;
    for (let id = parent.get(node.id); (charged === '(native)' || charged.startsWith('node:')) && id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined) break;
      const up = areaOf(frame);
      if (up !== '(native)' && !up.startsWith('node:') && up !== '(root)') charged = up;
    }
    chargedByArea.set(charged, (chargedByArea.get(charged) ?? 0) + hits);
    selfByFn.set(label(node.callFrame), (selfByFn.get(label(node.callFrame)) ?? 0) + hits);
    // Inclusive: credit each distinct Herald function on the stack once.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined) break;
      if (!/\/dist\/(src|adapters|queues)\//.test(frame.url)) continue;
      const name = label(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusiveHerald.set(name, (inclusiveHerald.get(name) ?? 0) + hits);
    }
  }
  const busy = samples - (selfByArea.get('(idle)') ?? 0);
  const fmt = (hits: number): string =>
    `${((hits * usPerSample) / 1e6).toFixed(2).padStart(7)} s ${((100 * hits) / Math.max(1, busy)).toFixed(1).padStart(5)}%`;
  const table = (title: string, map: Map<string, number>): string[] => [
    title,
    ...[...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => `  ${fmt(hits)}  ${name}`),
  ];
  return [
    `profile: ${(totalUs / 1e6).toFixed(1)} s wall, ${((busy * usPerSample) / 1e6).toFixed(1)} s busy (percentages are of busy time)`,
    ...table('self time by area:', selfByArea),
    ...table('self time by area, native and node: frames charged to their caller:', chargedByArea),
    ...table('self time by function:', selfByFn),
    ...table('inclusive time of Herald functions:', inclusiveHerald),
  ].join('\n');
}

const [file, topArg] = process.argv.slice(2);
if (file !== undefined && process.argv[1]?.endsWith('profile-summary.js') === true) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(`${summarise(profile, Number(topArg ?? 25))}\n`);
}
