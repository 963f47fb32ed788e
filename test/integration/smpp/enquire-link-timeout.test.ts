/**
 * An SMSC that stops answering enquire_link (its process hung, the socket still open):
 * the bind is recycled with one warning per timeout, and nothing else is warned about
 * (issue 16: a spurious "enquire_link on a closed socket" warning followed each timeout).
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmppGateway } from '../../../adapters/smpp/index.js';
import { configSchema } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import type { SmsGateway } from '../../../src/ports/sms-gateway.port.js';
import { SMSC_PASSWORD, SMSC_SYSTEM_ID, until } from '../../helpers/sms-harness.js';
import { SmscSimulator } from '../../sim/smsc-sim.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

const WARN = 40;
const RECYCLED = 'enquire_link unanswered: recycling the bind';

function capture(): { stream: Writable; lines: () => LogLine[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const lines = (): LogLine[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  return { stream, lines };
}

describe('SMPP keep-alive', () => {
  let sim: SmscSimulator | undefined;
  let gateway: SmsGateway | undefined;

  afterEach(async () => {
    await gateway?.stop();
    await sim?.stop();
    gateway = undefined;
    sim = undefined;
  });

  describe('when the SMSC leaves enquire_link unanswered', () => {
    it('recycles the bind with one warning per timeout and no "closed socket" warning', async () => {
      sim = new SmscSimulator({ accounts: [{ systemId: SMSC_SYSTEM_ID, password: SMSC_PASSWORD }], ignoreEnquireLink: true });
      const port = await sim.start();
      const config = configSchema.parse({
        smpp: {
          connections: [
            { id: 'smsc1', host: '127.0.0.1', port, systemId: SMSC_SYSTEM_ID, password: SMSC_PASSWORD, binds: 1, enquireLinkMs: 1_000, reconnect: { minMs: 50, maxMs: 100 } },
          ],
        },
      });
      const log = capture();
      gateway = createSmppGateway(config.smpp, createLogger('debug', log.stream, { format: 'json' }));
      await gateway.start();
      const theSim = sim;
      // Three binds: the first and two recycled ones, so a probe overlapped a close twice.
      await until(() => theSim.counters.binds >= 3, 15_000, 50);
      await gateway.stop();
      gateway = undefined;

      const warnings = log.lines().filter((line) => line.level >= WARN);
      expect(warnings.filter((line) => line.msg === RECYCLED).length).toBeGreaterThanOrEqual(2);
      expect(warnings.filter((line) => line.msg !== RECYCLED)).toEqual([]);
      expect(JSON.stringify(warnings)).not.toContain('closed socket');
      expect(theSim.counters.enquireLinks).toBeGreaterThanOrEqual(2);
    });
  });
});
