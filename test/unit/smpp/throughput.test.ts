import { describe, expect, it } from 'vitest';
import { statusClass, statusName } from '../../../adapters/smpp/command-status.js';
import { SmppGateway } from '../../../adapters/smpp/gateway.js';
import { reconnectDelayMs } from '../../../adapters/smpp/reconnect-delay.js';
import { TokenBucket } from '../../../adapters/smpp/token-bucket.js';
import { configSchema } from '../../../src/config.js';
import { isHeraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';

describe('command_status table', () => {
  it('slows down on throttling and queue full, refuses for good on bad addresses, retries the unknown', () => {
    expect(statusClass(0x58)).toBe('throttle');
    expect(statusClass(0x14)).toBe('throttle');
    expect(statusClass(0x0b)).toBe('permanent');
    expect(statusClass(0x08)).toBe('transient');
    expect(statusClass(0x0400)).toBe('transient');
    expect(statusName(0x58)).toBe('ESME_RTHROTTLED');
    expect(statusName(0x0400)).toBe('0x00000400');
  });
});

describe('TokenBucket', () => {
  it('lets a second of tokens through, then paces to the rate', async () => {
    let now = 0;
    const bucket = new TokenBucket(10, () => now);
    for (let i = 0; i < 10; i++) expect(await bucket.take(now)).toBe(true);
    expect(await bucket.take(now + 50)).toBe(false);
    now += 100;
    expect(await bucket.take(now)).toBe(true);
  });

  it('halves the rate on a throttle (once per spacing) and recovers when quiet', () => {
    let now = 10_000;
    const bucket = new TokenBucket(100, () => now);
    bucket.penalise();
    bucket.penalise();
    expect(bucket.currentPerSecond).toBe(50);
    now += 600;
    bucket.penalise();
    expect(bucket.currentPerSecond).toBe(25);
    now += 12_000;
    expect(bucket.currentPerSecond).toBe(100);
  });
});

describe('reconnectDelayMs', () => {
  it('grows exponentially with jitter and stays within the cap', () => {
    expect(reconnectDelayMs(0, 1000, 30_000, () => 0)).toBe(500);
    expect(reconnectDelayMs(3, 1000, 30_000, () => 1)).toBe(8000);
    expect(reconnectDelayMs(20, 1000, 30_000, () => 1)).toBe(30_000);
  });
});

describe('SmppGateway', () => {
  describe('when no connection is configured', () => {
    it('reports none configured and refuses submits as retryable', async () => {
      const gateway = new SmppGateway(configSchema.parse({}).smpp, createLogger('silent'));
      await gateway.start();
      expect(gateway.status()).toEqual({ configured: false, connections: [] });
      const err = await gateway
        .submit({ connectionId: 'x', source: { address: '', ton: 0, npi: 0 }, destination: { address: '1', ton: 1, npi: 1 }, part: { seq: 1, total: 1, ref: 0, dataCoding: 0, esmClass: 0, shortMessage: Buffer.alloc(0), text: '', units: 0 }, registeredDelivery: 1 })
        .catch((e: unknown) => e);
      expect(isHeraldError(err, 'GW_ERR_SMPP_UNAVAILABLE')).toBe(true);
      expect(isHeraldError(err) && err.permanent).toBe(false);
      await gateway.stop();
    });
  });
});
