import { describe, expect, it, vi } from 'vitest';
import type { DeliveryState } from '../../../src/domain/delivery-state.js';
import { triggersDispositions, withDispositions } from '../../../src/dispositions/with-dispositions.js';
import { createLogger } from '../../../src/logger.js';
import type { Ledger, TransitionRequest } from '../../../src/ports/ledger.port.js';
import { delivery } from './fixtures.js';

const log = createLogger('silent');

class FakeLedger {
  readonly #secret = 'private fields survive the proxy';
  calls = 0;
  async transition(request: TransitionRequest) {
    this.calls++;
    return delivery({ state: request.to });
  }
  whoAmI(): string {
    return this.#secret;
  }
}

function wrap(listener: (state: DeliveryState) => Promise<void>) {
  const inner = new FakeLedger();
  const afterTransition = vi.fn((d: { state: DeliveryState }) => listener(d.state));
  const ledger = withDispositions(inner as unknown as Ledger & FakeLedger, { afterTransition }, log);
  return { inner, ledger, afterTransition };
}

describe('withDispositions', () => {
  it.each([
    ['accepted', false],
    ['queued', false],
    ['submitted', true],
    ['enroute', true],
    ['delivered', true],
    ['failed', true],
    ['expired', true],
    ['rejected', true],
    ['cancelled', true],
  ] as const)('when a delivery enters %s, tells the service: %s', async (state, told) => {
    const { ledger, afterTransition } = wrap(async () => undefined);
    await ledger.transition({ deliveryId: 'd-1', to: state, cause: 'test' });
    expect(afterTransition).toHaveBeenCalledTimes(told ? 1 : 0);
    expect(triggersDispositions(state)).toBe(told);
  });

  describe('when the service fails', () => {
    it('still returns the committed transition', async () => {
      const { ledger } = wrap(async () => {
        throw new Error('db down');
      });
      await expect(ledger.transition({ deliveryId: 'd-1', to: 'delivered', cause: 'test' })).resolves.toMatchObject({ state: 'delivered' });
    });
  });

  it('passes every other member through to the wrapped ledger', () => {
    const { ledger } = wrap(async () => undefined);
    expect(ledger.whoAmI()).toBe('private fields survive the proxy');
  });
});
