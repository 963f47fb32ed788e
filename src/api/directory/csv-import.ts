/**
 * Turns an uploaded CSV into directory entries, checking every row before anything is
 * written, and reporting every problem with its line, so a 10 000-row file is fixed in
 * one round rather than one error at a time.
 */
import type { DirectoryEntry } from '../../domain/message.js';
import type { FieldProblem } from '../problem.js';
import { parseCsv } from './csv.js';
import { checkDisplayName, checkEmail, checkImUri, checkMsisdn, parseFlag } from './entry-rules.js';

export const CSV_COLUMNS = ['im_uri', 'msisdn', 'email', 'display_name', 'archive_enabled'] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** Most rows one import takes; bigger directories go in several files. */
export const MAX_IMPORT_ROWS = 100_000;

export interface ParsedImport {
  readonly entries: readonly DirectoryEntry[];
  /** CSV line of each entry, same order, to name the line the database refuses. */
  readonly lines: readonly number[];
  readonly problems: readonly FieldProblem[];
}

function problem(line: number, column: string, message: string): FieldProblem {
  return { line, field: `csv.${column}`, message };
}

function headerProblems(header: readonly string[], line: number): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) problems.push(problem(line, name, `is not a column (use ${CSV_COLUMNS.join(',')})`));
    else if (seen.has(name)) problems.push(problem(line, name, 'appears twice in the header'));
    seen.add(name);
  }
  if (!seen.has('im_uri')) problems.push(problem(line, 'im_uri', 'column is missing from the header'));
  return problems;
}

/** Notes the first line of each key, and a problem for every later line with the same key. */
class Uniques {
  readonly #firstLine = new Map<string, number>();

  claim(key: string, line: number, column: Column, problems: FieldProblem[]): void {
    const first = this.#firstLine.get(key);
    if (first === undefined) this.#firstLine.set(key, line);
    else problems.push(problem(line, column, `repeats line ${first}`));
  }
}

/** Parses and checks an import; `problems` empty means `entries` may be written. */
export function parseDirectoryCsv(text: string): ParsedImport {
  const parsed = parseCsv(text);
  if (!parsed.ok) return { entries: [], lines: [], problems: [problem(parsed.line, 'file', parsed.message)] };
  const [head, ...rows] = parsed.records;
  if (head === undefined) return { entries: [], lines: [], problems: [problem(1, 'file', 'is empty (expected a header line)')] };
  const header = head.fields.map((name) => name.trim().toLowerCase());
  const problems = headerProblems(header, head.line);
  if (problems.length > 0) return { entries: [], lines: [], problems };
  if (rows.length > MAX_IMPORT_ROWS) return { entries: [], lines: [], problems: [problem(head.line, 'file', `has more than ${MAX_IMPORT_ROWS} rows`)] };

  const entries: DirectoryEntry[] = [];
  const lines: number[] = [];
  const uris = new Uniques();
  const msisdns = new Uniques();
  const emails = new Uniques();
  for (const row of rows) {
    if (row.fields.length !== header.length) {
      problems.push(problem(row.line, 'file', `has ${row.fields.length} fields, the header ${header.length}`));
      continue;
    }
    const cell = (column: Column): string => (row.fields[header.indexOf(column)] ?? '').trim();
    const before = problems.length;
    const check = (column: Column, value: string, rule: (v: string) => string | undefined): void => {
      const why = value === '' ? undefined : rule(value);
      if (why !== undefined) problems.push(problem(row.line, column, why));
    };
    const imUri = cell('im_uri');
    if (imUri === '') problems.push(problem(row.line, 'im_uri', 'is required'));
    check('im_uri', imUri, checkImUri);
    check('msisdn', cell('msisdn'), checkMsisdn);
    check('email', cell('email'), checkEmail);
    check('display_name', cell('display_name'), checkDisplayName);
    const archiveEnabled = parseFlag(cell('archive_enabled'));
    if (archiveEnabled === undefined) problems.push(problem(row.line, 'archive_enabled', 'must be true or false'));
    if (imUri !== '') uris.claim(imUri, row.line, 'im_uri', problems);
    if (cell('msisdn') !== '') msisdns.claim(cell('msisdn'), row.line, 'msisdn', problems);
    // The ledger compares email case-insensitively, so the file must too.
    if (cell('email') !== '') emails.claim(cell('email').toLowerCase(), row.line, 'email', problems);
    if (problems.length > before) continue;
    entries.push({
      imUri,
      msisdn: cell('msisdn') || undefined,
      email: cell('email') || undefined,
      displayName: cell('display_name') || undefined,
      archiveEnabled: archiveEnabled ?? false,
    });
    lines.push(row.line);
  }
  return { entries, lines, problems };
}
