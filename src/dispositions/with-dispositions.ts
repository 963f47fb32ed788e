/**
 * The ledger, decorated so every transition that can make an IMDN due tells the
 * dispositions service — without the channels (SMS, email) knowing IMDNs exist.
 *
 * The service runs after the transition committed and before transition() returns, so
 * the caller's next step (and the IMDN order) sees the notifications in place. Its
 * failures are logged and swallowed: a transition that committed must not look failed to
 * its caller, and the sweep makes up for what was missed.
 */
import { isFinal, type DeliveryState } from '../domain/delivery-state.js';
import type { StoredDelivery } from '../domain/message.js';
import type { Logger } from '../logger.js';
import type { Ledger, TransitionHistory, TransitionRequest, TransitionsWithHistory } from '../ports/ledger.port.js';

/** States after which an IMDN may be due: hand-off, held at the far side, and every final one. */
export function triggersDispositions(state: DeliveryState): boolean {
  return state === 'submitted' || state === 'enroute' || isFinal(state);
}

/** What the decorator needs of the service. */
export interface TransitionListener {
  /** @param history the delivery's message and timeline, when the transition read them. */
  afterTransition(delivery: StoredDelivery, history?: TransitionHistory): Promise<unknown>;
}

function offersHistory(ledger: Ledger): ledger is Ledger & TransitionsWithHistory {
  return typeof (ledger as Partial<TransitionsWithHistory>).transitionWithHistory === 'function';
}

/**
 * Wraps `ledger` so that {@link Ledger.transition} also runs `listener.afterTransition`
 * for deliveries entering a state of {@link triggersDispositions}. Every other member is
 * the wrapped ledger's own (bound to it, so private fields keep working).
 */
export function withDispositions<L extends Ledger>(ledger: L, listener: TransitionListener, log: Logger): L {
  const transition = async (request: TransitionRequest): Promise<StoredDelivery> => {
    // Where the ledger can, the transition also reads what the decision needs (one round
    // trip instead of two per transition: npm run bench).
    const { delivery, history } =
      triggersDispositions(request.to) && offersHistory(ledger) ? await ledger.transitionWithHistory(request) : { delivery: await ledger.transition(request), history: undefined };
    if (triggersDispositions(delivery.state)) {
      try {
        await listener.afterTransition(delivery, history);
      } catch (err) {
        log.warn({ err, msgId: delivery.messageId, deliveryId: delivery.id, state: delivery.state }, 'IMDN decision failed; the sweep retries it');
      }
    }
    return delivery;
  };
  return new Proxy(ledger, {
    get(target, property) {
      if (property === 'transition') return transition;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
