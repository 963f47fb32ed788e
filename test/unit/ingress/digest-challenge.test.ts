/** The 401 ingress answers: one challenge per algorithm, except through drachtio-srf. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config.js';
import { createIngress } from '../../../src/ingress/ingress.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import type { JobQueue } from '../../../src/ports/job-queue.port.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { messageRequest } from '../../helpers/sip-request.js';

const request = messageRequest({ from: { uri: 'sip:alice@gw.example.com', tag: 'a' } });

/** The 401 path never reaches the ledger or the queue: they are unused stand-ins. */
async function challenge(edge: 'standalone' | 'drachtio'): Promise<Readonly<Record<string, string>>> {
  const config = configSchema.parse({ sip: { edge, digestRealm: 'gw.example.com', drachtio: { secret: 'x' } } });
  const ingress = createIngress({
    config,
    ledger: {} as unknown as Ledger,
    jobs: { backlog: async () => 0 } as unknown as JobQueue,
    metrics: new Metrics(),
    log: createLogger('silent'),
  });
  const reply = await ingress.handle(request);
  expect(reply.status).toBe(401);
  return reply.headers ?? {};
}

describe('ingress digest challenge', () => {
  describe('when the edge is standalone', () => {
    it('should send one WWW-Authenticate field per algorithm, SHA-256 first', async () => {
      const values = Object.entries(await challenge('standalone'))
        .filter(([name]) => name.toLowerCase() === 'www-authenticate')
        .map(([, value]) => /algorithm=([\w-]+)/.exec(value)?.[1]);
      expect(values).toEqual(['SHA-256', 'MD5']);
    });
  });

  describe('when the edge is drachtio', () => {
    it('should send only the preferred challenge (drachtio-srf would fold two into one field)', async () => {
      const names = Object.keys(await challenge('drachtio')).filter((name) => name.toLowerCase() === 'www-authenticate');
      expect(names).toHaveLength(1);
    });
  });
});
