/** The dashboard's text helpers (src/api/dashboard/static/js/format.js, a browser module). */
import { describe, expect, it } from 'vitest';

// A plain ES module with JSDoc types, served as it is: imported by path, typed here.
const FORMAT_MODULE = '../../../../src/api/dashboard/static/js/format.js';
const { counted } = (await import(FORMAT_MODULE)) as { counted: (n: number, one: string, many?: string) => string };

describe('counted', () => {
  describe('when there is exactly one', () => {
    it('uses the singular ("1 event", as the timeline header says)', () => {
      expect(counted(1, 'event')).toBe('1 event');
      expect(counted(1, 'byte')).toBe('1 byte');
    });
  });

  describe('when there are none or several', () => {
    it('uses the plural, with thousands grouped', () => {
      expect(counted(0, 'event')).toBe('0 events');
      expect(counted(2, 'event')).toBe('2 events');
      expect(counted(12_345, 'byte')).toBe('12,345 bytes');
      expect(counted(3, 'delivery', 'deliveries')).toBe('3 deliveries');
    });
  });
});
