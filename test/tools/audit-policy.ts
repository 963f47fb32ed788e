/**
 * CI's dependency audit: runs `npm audit --json --omit=dev`, applies the policy in
 * audit-policy-core.ts with test/tools/audit-allowlist.json, prints one summary line
 * (and the blocking advisories), and exits 1 only on a policy failure. When the audit
 * endpoint cannot be reached it warns and exits 0: CI must not depend on it being up.
 *   npx vite-node test/tools/audit-policy.ts
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { evaluateAudit, summaryLine } from './audit-policy-core.js';

const root = path.resolve(import.meta.dirname, '../..');
const allowListPath = path.join(root, 'test/tools/audit-allowlist.json');

function readJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const run = spawnSync('npm', ['audit', '--json', '--omit=dev'], {
  cwd: root,
  encoding: 'utf8',
  // A registry that accepts the connection and never answers must not stall CI.
  timeout: 120_000,
  maxBuffer: 64 * 1024 * 1024,
});
const report = run.error !== undefined ? { message: run.error.message } : (readJson(run.stdout) ?? { message: run.stderr.trim() || 'unreadable output' });
const outcome = evaluateAudit(report, readJson(readFileSync(allowListPath, 'utf8')), new Date());

console.log(summaryLine(outcome));
if (outcome.kind === 'audited') {
  for (const a of outcome.blocking) console.log(`  blocking: ${a.severity} ${a.package} ${a.id} ${a.title} ${a.url}`);
  for (const a of outcome.allowed) console.log(`  allowed until ${a.expires}: ${a.severity} ${a.package} ${a.id}`);
  for (const e of outcome.allowListErrors) console.log(`  allow-list: ${e}`);
  for (const id of outcome.unusedAllows) console.log(`  allow-list: ${id} matches nothing any more; remove it`);
  process.exitCode = outcome.ok ? 0 : 1;
}
