/**
 * `npm start` compiles only the gateway, and only what changed (issue 18, item 5): every
 * start used to recompile everything, the test suites included (41-154 s on a busy
 * 2-core machine).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const gatewayBuild = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[]; compilerOptions?: { incremental?: boolean } };

function buildGateway(): string {
  const run = spawnSync('npm', ['run', 'build:gateway', '--silent', '--', '--verbose'], { encoding: 'utf8', timeout: 240_000 });
  expect(run.status).toBe(0);
  return `${run.stdout}${run.stderr}`;
}

describe('npm start', () => {
  it('builds the gateway configuration, not the one with the tests', () => {
    expect(manifest.scripts.start).toMatch(/^npm run build:gateway --silent && node dist\/src\/cli\.js start$/);
    expect(manifest.scripts['build:gateway']).toBe('tsc -b tsconfig.build.json');
    const testPatterns = gatewayBuild.include.filter((pattern) => pattern.startsWith('test/'));
    expect(testPatterns).toEqual(['test/sim/**/*.ts']);
    expect(gatewayBuild.compilerOptions?.incremental).toBe(true);
  });

  it('compiles nothing when nothing changed since the last build', () => {
    buildGateway();
    expect(buildGateway()).toMatch(/Project 'tsconfig\.build\.json' is up to date/);
  }, 300_000);
});
