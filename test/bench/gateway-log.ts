/**
 * Warnings and errors the gateway logged during a run, counted by message: the gateway's
 * side of "errors by kind".
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const WARN = 40;

export async function gatewayLogProblems(file: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    // Cheap pre-check: most lines are info and need no JSON parse.
    if (!line.includes('"level":4') && !line.includes('"level":5') && !line.includes('"level":6')) {
      if (line.startsWith('{') || line.trim() === '') continue;
      counts[`gateway output: ${line.slice(0, 80)}`] = (counts[`gateway output: ${line.slice(0, 80)}`] ?? 0) + 1;
      continue;
    }
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; code?: string };
      if ((entry.level ?? 0) < WARN) continue;
      const key = `gateway ${entry.level === WARN ? 'warn' : 'error'}: ${entry.msg ?? '?'}${entry.code === undefined ? '' : ` (${entry.code})`}`;
      counts[key] = (counts[key] ?? 0) + 1;
    } catch {
      counts['gateway output: unparsable line'] = (counts['gateway output: unparsable line'] ?? 0) + 1;
    }
  }
  return counts;
}
