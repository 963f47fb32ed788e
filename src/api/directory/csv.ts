/**
 * CSV as RFC 4180 writes it (quoted fields, "" inside quotes, CRLF or LF line ends),
 * for the number directory's import and export. Pure: text in, records or a typed
 * problem out.
 */

/** One record and the line it starts on (1-based; quoted fields may span lines). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

export type CsvParseResult =
  | { readonly ok: true; readonly records: readonly CsvRecord[] }
  | { readonly ok: false; readonly line: number; readonly message: string };

/**
 * Splits CSV text into records. Blank lines are skipped; a UTF-8 BOM is ignored (Excel
 * writes one).
 */
export function parseCsv(text: string): CsvParseResult {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) return { ok: false, line: start, message: 'quoted field is not closed' };
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          return { ok: false, line, message: 'text after a closing quote' };
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') return { ok: false, line, message: 'quote inside an unquoted field' };
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) records.push({ line: start, fields });
    line++;
  }
  return { ok: true, records };
}

function quote(field: string): string {
  return /[",\r\n]|^\s|\s$/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** One CSV line (CRLF-terminated, as RFC 4180 §2 has it). */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(quote).join(',')}\r\n`;
}
