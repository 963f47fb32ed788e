/**
 * The documentation sections generated from code: the configuration reference (from the
 * config schema, in docs/configuration.md) and the error catalogue (docs/errors.md).
 * `npm run docs` writes them; a test fails when a page is out of step, so the
 * documentation cannot drift from the code.
 */
import { listSettings } from '../config.js';
import { ERROR_CATALOGUE } from '../errors.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function showDefault(value: unknown): string {
  if (value === undefined) return '—';
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : `\`${value.join(',')}\``;
  return `\`${String(value)}\``;
}

export function configReference(): string {
  const rows = listSettings().map((s) => {
    const type = s.choices ? `${s.kind === 'list' ? 'list of ' : ''}${s.choices.join(' \\| ')}` : s.kind;
    return `| \`${s.env}\` | \`${s.path.join('.')}\` | ${cell(type)} | ${cell(showDefault(s.defaultValue))} | ${cell(s.description)} |`;
  });
  return ['| Environment variable | Config file key | Type | Default | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function errorReference(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(
    ([code, spec]) =>
      `| \`${code}\` | ${spec.http} | ${spec.sip} | ${spec.permanent ? 'permanent' : spec.waits ? 'waits' : 'retried'} | ${cell(spec.message.replace(': %s', ''))} |`,
  );
  return ['| Code | HTTP | SIP | Retry | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

const SECTIONS: Readonly<Record<string, () => string>> = {
  config: configReference,
  errors: errorReference,
};

/** Which page holds which generated section (paths from the repository root). */
export const GENERATED_PAGES: Readonly<Record<string, readonly string[]>> = {
  'docs/configuration.md': ['config'],
  'docs/errors.md': ['errors'],
};

/** Replaces each named `<!-- NAME:begin -->…<!-- NAME:end -->` block of a page with its generated text. */
export function renderPage(page: string, text: string): string {
  const names = GENERATED_PAGES[page];
  if (names === undefined) throw new Error(`${page} has no generated sections`);
  let out = text;
  for (const name of names) {
    const render = SECTIONS[name];
    if (render === undefined) throw new Error(`no generator for section ${name}`);
    const begin = `<!-- ${name}:begin -->`;
    const end = `<!-- ${name}:end -->`;
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${page} has no ${begin} … ${end} block`);
    out = `${out.slice(0, from + begin.length)}\n${render()}\n${out.slice(to)}`;
  }
  return out;
}
