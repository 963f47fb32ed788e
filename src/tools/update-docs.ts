/** `npm run docs`: regenerates the configuration and error tables of the docs/ pages. */
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_PAGES, renderPage } from './doc-sections.js';

// Run from the repository root (npm run docs does).
for (const page of Object.keys(GENERATED_PAGES)) {
  const before = readFileSync(page, 'utf8');
  const after = renderPage(page, before);
  if (after !== before) writeFileSync(page, after);
  process.stdout.write(after === before ? `${page} already up to date\n` : `${page} updated\n`);
}
