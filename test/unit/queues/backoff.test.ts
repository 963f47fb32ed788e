import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, retryDelayMs } from '../../../queues/backoff.js';
import { heraldError } from '../../../src/errors.js';

describe('retryDelayMs', () => {
  describe('when the failure gives no hint', () => {
    it('grows exponentially with jitter between half and the full ceiling, capped', () => {
      expect(retryDelayMs(1, new Error('x'), () => 0)).toBe(500);
      expect(retryDelayMs(1, new Error('x'), () => 1)).toBe(1000);
      expect(retryDelayMs(4, new Error('x'), () => 1)).toBe(8000);
      expect(retryDelayMs(40, new Error('x'), () => 1)).toBe(BACKOFF_CAP_MS);
    });
  });

  describe('when the failure says when to come back', () => {
    it('honours retryAfterMs', () => {
      const err = heraldError('GW_ERR_SIP_SEND_FAILED', '503', { meta: { retryAfterMs: 7000 } });
      expect(retryDelayMs(3, err, () => 0)).toBe(7000);
    });
  });
});
