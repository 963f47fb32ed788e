/**
 * `npm ci` must not print EBADENGINE (issue 18, item 8): every installed package supports
 * the oldest Node.js that package.json's `engines` (and the README) declare.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Version = readonly [number, number, number];

function parse(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, patch];
}

function below(a: Version, b: Version): boolean {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

/**
 * Whether `version` satisfies an engines range, for the forms packages use: `||`
 * alternatives of space-separated `>=x`, `>x`, `^x`, `x.x` and `*` terms (upper bounds,
 * `<x`, never exclude the oldest version, which is what is checked).
 */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .replace(/([<>=^~])\s+/g, '$1')
      .replace(/\.x\b/g, '')
      .trim()
      .split(/\s+/)
      .filter((term) => term !== '' && term !== '*' && term !== 'x')
      .every((term) => {
        const match = /^(>=|>|\^|~|=)?v?(\d+(?:\.\d+){0,2})/.exec(term);
        if (match === null || term.startsWith('<')) return true;
        const floor = parse(match[2] ?? '0');
        if (match[1] === '^' || match[1] === undefined) return version[0] === floor[0] ? !below(version, floor) : match[1] === undefined ? false : version[0] === floor[0];
        return !below(version, floor);
      }),
  );
}

describe('engines', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
  };
  const oldest = parse(/>=\s*v?([\d.]+)/.exec(manifest.engines.node)?.[1] ?? '0');

  it('declares a lower bound for Node.js', () => {
    expect(oldest[0]).toBeGreaterThanOrEqual(20);
  });

  it('installs only packages that support that Node.js', () => {
    const unsupported = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range === undefined || satisfies(oldest, range) ? [] : [`${path.replace(/^.*node_modules\//, '')}: node ${range}`];
      });
    expect(unsupported).toEqual([]);
  });
});
