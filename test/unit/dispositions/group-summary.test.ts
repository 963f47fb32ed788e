import { describe, expect, it } from 'vitest';
import { groupSummary } from '../../../src/dispositions/group-summary.js';
import { delivery } from './fixtures.js';

const A = delivery({ id: 'd-1', targetUri: 'tel:+15550000001', state: 'delivered', farSideAt: new Date('2026-11-26T06:15:00Z') });
const B = delivery({ id: 'd-2', targetUri: 'tel:+15550000002', state: 'delivered', farSideAt: new Date('2026-11-26T06:16:00Z') });

describe('groupSummary', () => {
  describe('when every recipient was delivered', () => {
    it('is delivered, at the last recipient time', () => {
      const summary = groupSummary([A, B], []);
      expect(summary?.notification).toEqual({ type: 'delivery', status: 'delivered' });
      expect(summary?.at).toEqual(new Date('2026-11-26T06:16:00Z'));
      expect(summary?.code).toBe('2/2 delivered');
      expect(summary?.reason).toBeUndefined();
    });
  });
  describe('when one recipient failed', () => {
    it('is failed with each recipient result', () => {
      const summary = groupSummary([A, { ...B, state: 'failed', errorText: 'UNDELIV err 1' }], []);
      expect(summary?.notification.status).toBe('failed');
      expect(summary?.code).toBe('1/2 delivered');
      expect(summary?.reason).toBe('tel:+15550000001: delivered; tel:+15550000002: failed (UNDELIV err 1)');
    });
  });
  describe('when a recipient is not final yet', () => {
    it('is not due', () => {
      expect(groupSummary([A, { ...B, state: 'submitted' }], [])).toBeUndefined();
    });
  });
  describe('when there is one recipient', () => {
    it('is not due', () => {
      expect(groupSummary([A], [])).toBeUndefined();
    });
  });
});
