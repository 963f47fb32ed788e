import { describe, expect, it } from 'vitest';
import { parseDirectoryCsv } from '../../../../src/api/directory/csv-import.js';

describe('parseDirectoryCsv', () => {
  describe('when every row is good', () => {
    it('gives entries with their lines, in any column order', () => {
      const parsed = parseDirectoryCsv('archive_enabled,im_uri,msisdn\nyes,sip:a@x.example,+15550000001\n,sip:b@x.example,\n');
      expect(parsed.problems).toEqual([]);
      expect(parsed.lines).toEqual([2, 3]);
      expect(parsed.entries).toEqual([
        { imUri: 'sip:a@x.example', msisdn: '+15550000001', email: undefined, displayName: undefined, archiveEnabled: true },
        { imUri: 'sip:b@x.example', msisdn: undefined, email: undefined, displayName: undefined, archiveEnabled: false },
      ]);
    });
  });

  describe('when rows repeat a key', () => {
    it('names the later line and the first one, comparing email case-insensitively', () => {
      const parsed = parseDirectoryCsv(
        'im_uri,msisdn,email\nsip:a@x.example,+15550000001,A@x.example\nsip:b@x.example,+15550000001,a@X.example\nsip:a@x.example,,\n',
      );
      expect(parsed.problems).toEqual([
        { line: 3, field: 'csv.msisdn', message: 'repeats line 2' },
        { line: 3, field: 'csv.email', message: 'repeats line 2' },
        { line: 4, field: 'csv.im_uri', message: 'repeats line 2' },
      ]);
    });
  });

  describe('when the header is wrong', () => {
    it.each([
      ['', 'csv.file'],
      ['msisdn\n+15550000001', 'csv.im_uri'],
      ['im_uri,im_uri\nsip:a@x', 'csv.im_uri'],
    ])('refuses %j naming %s', (text, field) => {
      expect(parseDirectoryCsv(text).problems).toEqual([expect.objectContaining({ line: 1, field })]);
    });
  });

  describe('when a row has a bad value', () => {
    it.each([
      ['im_uri,display_name\nsip:a@x,"bell\u0007"', 'csv.display_name'],
      ['im_uri,archive_enabled\nsip:a@x,perhaps', 'csv.archive_enabled'],
      ['im_uri,email\nsip:a@x,no-at-sign', 'csv.email'],
      ['im_uri\n,', 'csv.file'],
      ['im_uri,msisdn\n,+15550000001', 'csv.im_uri'],
    ])('refuses %j naming %s on line 2', (text, field) => {
      expect(parseDirectoryCsv(text).problems).toContainEqual(expect.objectContaining({ line: 2, field }));
    });
  });
});
