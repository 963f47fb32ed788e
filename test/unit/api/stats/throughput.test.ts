/** Zero-filled throughput series from the ledger's sparse final counts. */
import { describe, expect, it } from 'vitest';
import { buildThroughput, windowRange } from '../../../../src/api/stats/throughput.js';

describe('throughput', () => {
  describe('when a window is placed', () => {
    it('ends with the bucket holding now, and spans the window', () => {
      const range = windowRange('1h', new Date('2025-01-15T10:30:20Z'));
      expect(range.to.toISOString()).toBe('2025-01-15T10:31:00.000Z');
      expect(range.from.toISOString()).toBe('2025-01-15T09:31:00.000Z');
      expect(range.bucketSeconds).toBe(60);
    });

    it('starts a new bucket exactly on the boundary', () => {
      expect(windowRange('6h', new Date('2025-01-15T10:30:00Z')).to.toISOString()).toBe('2025-01-15T10:35:00.000Z');
    });
  });

  describe('when counts are spread', () => {
    it('puts each in its bucket, fills the rest with zeros, and leaves cancelled out of the rate', () => {
      const range = windowRange('15m', new Date('2025-01-15T10:14:30Z'));
      const t = buildThroughput('15m', range, [
        { at: new Date('2025-01-15T10:02:00Z'), channel: 'sms', state: 'delivered', count: 3 },
        { at: new Date('2025-01-15T10:02:00Z'), channel: 'sms', state: 'failed', count: 1 },
        { at: new Date('2025-01-15T10:14:00Z'), channel: 'email', state: 'cancelled', count: 2 },
        // Outside the window: ignored rather than misplaced.
        { at: new Date('2025-01-15T09:00:00Z'), channel: 'sms', state: 'delivered', count: 50 },
      ]);
      expect(t.channels.map((c) => c.channel)).toEqual(['sms', 'email', 'sip']);
      const sms = t.channels[0];
      expect(sms?.points).toHaveLength(15);
      expect(sms?.points[2]).toEqual({ at: '2025-01-15T10:02:00.000Z', delivered: 3, failed: 1, expired: 0, rejected: 0, cancelled: 0 });
      expect(sms).toMatchObject({ delivered: 3, unsuccessful: 1, successRate: 0.75 });
      expect(t.channels[1]).toMatchObject({ delivered: 0, unsuccessful: 0, successRate: null });
      expect(t.channels[1]?.points[14]?.cancelled).toBe(2);
    });
  });
});
