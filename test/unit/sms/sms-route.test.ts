import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config.js';
import { isHeraldError } from '../../../src/errors.js';
import { correlationId } from '../../../src/sms/message-ids.js';
import { e164OfSmsAddress, msisdnOfTarget } from '../../../src/sms/sms-address.js';
import { smsPartsCheck } from '../../../src/sms/sms-parts-check.js';
import { smsReadiness } from '../../../src/sms/sms-readiness.js';
import { routeSms } from '../../../src/sms/sms-route.js';

const conn = (id: string, extra: Record<string, unknown> = {}) => ({ id, host: 'h', systemId: 's', ...extra });
const smpp = (value: Record<string, unknown>) => configSchema.parse({ smpp: value }).smpp;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('routeSms', () => {
  const config = smpp({
    connections: [conn('de'), conn('de-mobile', { maxParts: 3 }), conn('intl')],
    routes: [
      { prefix: '+49', connection: 'de' },
      { prefix: '4915', connection: 'de-mobile' },
      { prefix: '', connection: 'intl' },
    ],
  });

  it('picks the longest matching prefix, + or not', () => {
    expect(routeSms('+4915112345678', config)?.connection.id).toBe('de-mobile');
    expect(routeSms('+4930123456', config)?.connection.id).toBe('de');
    expect(routeSms('+15551234567', config)?.connection.id).toBe('intl');
  });

  it('applies the connection maxParts, else the default', () => {
    expect(routeSms('+4915112345678', config)?.maxParts).toBe(3);
    expect(routeSms('+4930123456', config)?.maxParts).toBe(10);
  });

  it('uses the first connection when no route is configured, and nothing when none is', () => {
    expect(routeSms('+1555', smpp({ connections: [conn('a'), conn('b')] }))?.connection.id).toBe('a');
    expect(routeSms('+1555', smpp({}))).toBeUndefined();
  });

  it('refuses a destination no route matches', () => {
    const only = smpp({ connections: [conn('de')], routes: [{ prefix: '+49', connection: 'de' }] });
    expect(isHeraldError(thrown(() => routeSms('+15551234567', only)), 'GW_ERR_ROUTE_UNROUTABLE')).toBe(true);
  });
});

describe('smsPartsCheck', () => {
  const config = smpp({ connections: [conn('a', { maxParts: 2 })] });

  it('measures a text that fits', () => {
    expect(smsPartsCheck('a'.repeat(306), 'tel:+15551234567', config)).toEqual({ encoding: 'gsm7', units: 306, parts: 2 });
  });

  it('refuses more parts than the route allows, with the limit', () => {
    const err = thrown(() => smsPartsCheck('a'.repeat(307), 'tel:+15551234567', config));
    expect(isHeraldError(err, 'GW_ERR_CONTENT_TOO_LARGE')).toBe(true);
    expect((err as { meta: unknown }).meta).toEqual({ maxParts: 2, parts: 3 });
  });

  it('uses smpp.maxParts when no connection is configured', () => {
    const err = thrown(() => smsPartsCheck('ж'.repeat(67 * 10 + 1), 'tel:+15551234567', smpp({})));
    expect((err as { meta: unknown }).meta).toEqual({ maxParts: 10, parts: 11 });
  });
});

describe('message ids and addresses', () => {
  it('normalises resp and receipt ids per connection', () => {
    const config = smpp({ connections: [conn('a', { messageIdMode: { resp: 'hex-to-decimal', receipt: 'as-is' } }), conn('b', { messageIdMode: 'lowercase' })] });
    expect(correlationId(config, 'a', 'resp', '1000000A')).toBe('268435466');
    expect(correlationId(config, 'a', 'receipt', '268435466')).toBe('268435466');
    expect(correlationId(config, 'b', 'receipt', 'ABC')).toBe('abc');
    expect(correlationId(config, 'gone', 'receipt', 'ABC')).toBe('ABC');
  });

  it('reads MSISDNs both ways', () => {
    expect(msisdnOfTarget('tel:+4915112345678')).toBe('+4915112345678');
    expect(e164OfSmsAddress({ address: '4915112345678', ton: 1, npi: 1 })).toBe('+4915112345678');
    expect(e164OfSmsAddress({ address: '015112345678', ton: 2, npi: 1 }, '49')).toBe('+4915112345678');
    expect(e164OfSmsAddress({ address: 'HERALD', ton: 5, npi: 0 })).toBeUndefined();
  });
});

describe('smsReadiness', () => {
  it('is ready with nothing configured, and says so', () => {
    expect(smsReadiness({ configured: false, connections: [] })).toBe('none configured');
  });

  it('is not ready when no enabled connection has a bind up', () => {
    const down = { id: 'a', enabled: true, state: 'down' as const, binds: [], window: { inFlight: 0, capacity: 10 }, throughput: { maxPerSecond: 1, currentPerSecond: 1, submitted: 0, throttled: 0 } };
    expect(() => smsReadiness({ configured: true, connections: [down] })).toThrow(/no SMSC bind up/);
    expect(smsReadiness({ configured: true, connections: [down, { ...down, id: 'b', state: 'up' }] })).toBe('up (a down)');
  });
});
