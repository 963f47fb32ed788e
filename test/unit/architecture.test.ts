/**
 * The layering rules of ARCHITECTURE.md, enforced: the core never imports an adapter or
 * the queue library, each outside protocol library is imported only by its adapter, and
 * there are no import cycles among the project's modules.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? '');
}

/** Value imports only: `import type` never makes a runtime cycle. */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return normalize(join(dirname(from), specifier)).replace(/\.js$/, '.ts');
}

const core = sourceFiles('src');
const adapters = sourceFiles('adapters');
const queues = sourceFiles('queues');

/** Each outside library and the only folder allowed to import it. */
const OWNERS: Readonly<Record<string, string>> = {
  bullmq: 'queues/',
  ioredis: 'queues/',
  'drachtio-srf': 'adapters/sip/',
  smpp: 'adapters/smpp/',
  nodemailer: 'adapters/smtp/',
  imapflow: 'adapters/imap/',
};

describe('architecture', () => {
  describe('when the core imports', () => {
    it('never reaches into adapters/ or queues/, except src/main.ts which wires them', () => {
      const offenders = core
        .filter((file) => file !== 'src/main.ts')
        .flatMap((file) =>
          importsOf(file)
            .map((spec) => resolveLocal(file, spec))
            .filter((target): target is string => target !== undefined && /^(adapters|queues)\//.test(target))
            .map((target) => `${file} → ${target}`),
        );
      expect(offenders).toEqual([]);
    });
  });

  describe('when any module imports an outside protocol or queue library', () => {
    it('is inside the folder that owns that library', () => {
      const offenders = [...core, ...adapters, ...queues].flatMap((file) =>
        importsOf(file)
          .filter((spec) => OWNERS[spec] !== undefined && !file.startsWith(OWNERS[spec] ?? ''))
          .map((spec) => `${file} imports ${spec}`),
      );
      expect(offenders).toEqual([]);
    });
  });

  describe('when following value imports', () => {
    it('finds no cycle', () => {
      const files = new Set([...core, ...adapters, ...queues]);
      const graph = new Map<string, string[]>();
      for (const file of files) {
        graph.set(
          file,
          valueImportsOf(file)
            .map((spec) => resolveLocal(file, spec))
            .filter((target): target is string => target !== undefined && files.has(target)),
        );
      }
      const cycles: string[] = [];
      const state = new Map<string, 'visiting' | 'done'>();
      const stack: string[] = [];
      const visit = (file: string): void => {
        state.set(file, 'visiting');
        stack.push(file);
        for (const next of graph.get(file) ?? []) {
          if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative('.', f)).join(' → '));
          else if (state.get(next) === undefined) visit(next);
        }
        stack.pop();
        state.set(file, 'done');
      };
      for (const file of files) if (state.get(file) === undefined) visit(file);
      expect(cycles).toEqual([]);
    });
  });
});
