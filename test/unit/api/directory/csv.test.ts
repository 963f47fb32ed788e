import { describe, expect, it } from 'vitest';
import { csvLine, parseCsv } from '../../../../src/api/directory/csv.js';

describe('parseCsv', () => {
  describe('when fields are plain', () => {
    it('splits records on LF and CRLF and keeps empty fields', () => {
      expect(parseCsv('a,b,c\r\n1,,3\n')).toEqual({
        ok: true,
        records: [
          { line: 1, fields: ['a', 'b', 'c'] },
          { line: 2, fields: ['1', '', '3'] },
        ],
      });
    });

    it('skips blank lines, ignores a BOM and takes a last line without a line end', () => {
      expect(parseCsv('\uFEFFa\n\nb')).toEqual({ ok: true, records: [{ line: 1, fields: ['a'] }, { line: 3, fields: ['b'] }] });
    });
  });

  describe('when fields are quoted (RFC 4180 §2)', () => {
    it('keeps commas, doubled quotes and line breaks inside, and counts lines across them', () => {
      expect(parseCsv('"a,b","say ""hi""","two\nlines"\nnext')).toEqual({
        ok: true,
        records: [
          { line: 1, fields: ['a,b', 'say "hi"', 'two\nlines'] },
          { line: 3, fields: ['next'] },
        ],
      });
    });
  });

  describe('when the text is not CSV', () => {
    it.each([
      ['a\n"open', 2],
      ['"closed"x', 1],
      ['a"b', 1],
    ])('refuses %j naming line %i', (text, line) => {
      const result = parseCsv(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.line).toBe(line);
    });
  });
});

describe('csvLine', () => {
  describe('when a field needs quoting', () => {
    it('quotes commas, quotes, line breaks and edge spaces, and ends with CRLF', () => {
      expect(csvLine(['plain', 'a,b', 'say "hi"', 'x\ny', ' pad', ''])).toBe('plain,"a,b","say ""hi""","x\ny"," pad",\r\n');
    });

    it('round-trips through parseCsv', () => {
      const fields = ['sip:a@b', '+1555', 'a,"b"\r\nc', ''];
      expect(parseCsv(csvLine(fields))).toEqual({ ok: true, records: [{ line: 1, fields }] });
    });
  });
});
