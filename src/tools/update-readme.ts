/** `npm run docs`: regenerates the README's configuration and error tables. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadme } from './readme-sections.js';

// Run from the repository root (npm run docs does).
const path = 'README.md';
const before = readFileSync(path, 'utf8');
const after = renderReadme(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'README.md already up to date\n' : 'README.md updated\n');
