import { describe, expect, it } from 'vitest';
import { RELAY_RETRY_MAX_MS, RELAY_RETRY_MIN_MS, relayRetryMs } from '../../../src/email/send-handler.js';

const NOW = 1_000_000_000;

describe('relayRetryMs', () => {
  describe('when the relay has only just stopped answering', () => {
    it('waits between half and all of the minimum', () => {
      const failing = { state: 'failing', host: 'smtp.x', lastError: 'ECONNRESET', since: NOW } as const;
      expect(relayRetryMs(failing, NOW, () => 0)).toBe(RELAY_RETRY_MIN_MS / 2);
      expect(relayRetryMs(failing, NOW, () => 1)).toBe(RELAY_RETRY_MIN_MS);
      expect(relayRetryMs({ state: 'up', host: 'smtp.x' }, NOW, () => 1)).toBe(RELAY_RETRY_MIN_MS);
    });
  });

  describe('when the relay has been down for a while', () => {
    it('waits about as long as it has been down', () => {
      const failing = { state: 'failing', host: 'smtp.x', lastError: 'ECONNRESET', since: NOW - 20_000 } as const;
      expect(relayRetryMs(failing, NOW, () => 0)).toBe(10_000);
      expect(relayRetryMs(failing, NOW, () => 1)).toBe(20_000);
    });

    it('never waits longer than the maximum', () => {
      const failing = { state: 'failing', host: 'smtp.x', lastError: 'ECONNRESET', since: NOW - 3_600_000 } as const;
      expect(relayRetryMs(failing, NOW, () => 1)).toBe(RELAY_RETRY_MAX_MS);
    });
  });
});
