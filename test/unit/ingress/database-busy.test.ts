/** SIP ingress while the ledger cannot store: busy and unreachable both ask the sender to come back. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config.js';
import { heraldError, type ErrorCode } from '../../../src/errors.js';
import { createIngress } from '../../../src/ingress/ingress.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import type { JobQueue } from '../../../src/ports/job-queue.port.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { messageRequest } from '../../helpers/sip-request.js';

const REQUEST = messageRequest();

/** A ledger whose every call (stores included) fails with `code`. */
function failingLedger(code: ErrorCode): Ledger {
  const handler: ProxyHandler<object> = {
    get: (_target, property) => {
      if (property === 'then') return undefined;
      const call = (): Promise<never> => Promise.reject(heraldError(code, 'test'));
      return new Proxy(call, handler);
    },
    apply: () => Promise.reject(heraldError(code, 'test')),
  };
  return new Proxy({}, handler) as Ledger;
}

describe('ingress', () => {
  describe('when the ledger cannot store the message', () => {
    it.each(['GW_ERR_DB_BUSY', 'GW_ERR_DB_UNREACHABLE'] as const)('answers %s with 503 and Retry-After', async (code) => {
      const config = configSchema.parse({ sip: { domain: 'gw.example.com' } });
      const ingress = createIngress({
        config,
        ledger: failingLedger(code),
        jobs: { backlog: () => Promise.resolve(0) } as unknown as JobQueue,
        metrics: new Metrics({ defaults: false }),
        log: createLogger('silent'),
      });
      const reply = await ingress.handle(REQUEST);
      expect(reply.status).toBe(503);
      expect(reply.headers?.['Retry-After']).toBe(String(config.ingress.retryAfterSeconds));
      expect(reply.headers?.Warning).toContain(code);
    });
  });
});
