import { describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { badBytes, checkHeaderBytes } from '../../../src/ingress/header-bytes.js';
import { configSchema } from '../../../src/config.js';
import { createIngress } from '../../../src/ingress/ingress.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import type { JobQueue } from '../../../src/ports/job-queue.port.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { messageRequest } from '../../helpers/sip-request.js';

const REQUEST = messageRequest();

describe('header bytes', () => {
  it.each([
    ['a\u0000b', 'NUL byte'],
    ['caf\ufffd', 'invalid UTF-8'],
    ['x\ud800y', 'invalid UTF-8'],
    ['bell\u0007', 'control character U+0007'],
    ['del\u007f', 'control character U+007F'],
  ])('should name the fault in %j', (value, fault) => {
    expect(badBytes(value)).toBe(fault);
  });

  it('should pass UTF-8 text, tabs and emoji', () => {
    expect(badBytes('Zoë\t<sip:zoe@example.com> 😀')).toBeUndefined();
  });

  it('should throw GW_ERR_SIP_INVALID_BYTES (400) naming the header', () => {
    let thrown: unknown;
    try {
      checkHeaderBytes({ From: ['sip:ok@example.com', undefined], 'Call-ID': 'abc\u0000@host' });
    } catch (err) {
      thrown = err;
    }
    expect(isHeraldError(thrown, 'GW_ERR_SIP_INVALID_BYTES')).toBe(true);
    expect(isHeraldError(thrown) && thrown.sipStatus).toBe(400);
    expect(isHeraldError(thrown) && thrown.meta.header).toBe('Call-ID');
  });
});

describe('ingress with invalid header bytes (whatever the edge let through)', () => {
  it.each([
    ['Call-ID', { callId: 'abc\u0000@host' }],
    ['From', { from: { uri: 'sip:alice@example.com', displayName: 'Al\ufffdce' } }],
    ['To', { to: { uri: 'sip:+1555\u0000@gw' } }],
  ])('should answer a bad %s with 400 GW_ERR_SIP_INVALID_BYTES before touching the ledger', async (header, override) => {
    const ingress = createIngress({
      config: configSchema.parse({}),
      ledger: {} as unknown as Ledger,
      jobs: {} as unknown as JobQueue,
      metrics: new Metrics(),
      log: createLogger('silent'),
    });
    const reply = await ingress.handle({ ...REQUEST, ...override });
    expect(reply.status).toBe(400);
    expect(reply.headers?.Warning).toContain('GW_ERR_SIP_INVALID_BYTES');
    expect(reply.headers?.Warning).toContain(header);
  });
});
