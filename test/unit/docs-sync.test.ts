import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSettings } from '../../src/config.js';
import { GENERATED_PAGES, renderPage } from '../../src/tools/doc-sections.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function page(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsIn(text: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#+ (.+)$/.exec(line);
    if (heading?.[1] !== undefined) anchors.add(anchorOf(heading[1]));
  }
  return anchors;
}

const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('README and docs/', () => {
  for (const path of Object.keys(GENERATED_PAGES)) {
    it(`has the generated tables of ${path} up to date (run \`npm run docs\`)`, () => {
      const text = page(path);
      expect(renderPage(path, text)).toBe(text);
    });
  }

  it('documents every setting in docs/configuration.md', () => {
    const reference = page('docs/configuration.md');
    for (const setting of listSettings()) expect(reference).toContain(`\`${setting.env}\``);
  });

  it('keeps the README short enough to read in five minutes', () => {
    expect(page('README.md').split('\n').length).toBeLessThanOrEqual(200);
  });

  it('has no link to a missing page or heading', () => {
    const broken: string[] = [];
    for (const path of PAGES) {
      for (const [, target] of page(path).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue;
        const [file = '', anchor] = target.split('#');
        const linked = file === '' ? path : join(dirname(path), file);
        if (!existsSync(join(ROOT, linked))) broken.push(`${path}: ${target} (no such file)`);
        else if (anchor !== undefined && linked.endsWith('.md') && !anchorsIn(page(linked)).has(anchor)) {
          broken.push(`${path}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
