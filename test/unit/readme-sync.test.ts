import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listSettings } from '../../src/config.js';
import { renderReadme } from '../../src/tools/readme-sections.js';

describe('README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('has the generated configuration and error tables up to date (run `npm run docs`)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it('documents every setting', () => {
    for (const setting of listSettings()) expect(readme).toContain(`\`${setting.env}\``);
  });
});
