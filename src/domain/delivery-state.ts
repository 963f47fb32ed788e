import { heraldError } from '../errors.js';

/**
 * The delivery state machine. Every change of a delivery's state goes through
 * {@link assertTransition}; the ledger stores each accepted transition as an event.
 *
 * `enroute` is the only state that may repeat (intermediate SMSC states are events, not
 * new states), and `queued` may be re-entered from a final failure when an admin retries.
 */
export const DELIVERY_STATES = [
  'accepted',
  'queued',
  'submitted',
  'enroute',
  'delivered',
  'failed',
  'expired',
  'rejected',
  'cancelled',
] as const;

export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const FINAL_STATES: ReadonlySet<DeliveryState> = new Set([
  'delivered',
  'failed',
  'expired',
  'rejected',
  'cancelled',
]);

const TRANSITIONS: Readonly<Record<DeliveryState, readonly DeliveryState[]>> = {
  accepted: ['queued', 'failed', 'rejected', 'cancelled'],
  queued: ['submitted', 'failed', 'rejected', 'cancelled'],
  submitted: ['enroute', 'delivered', 'failed', 'expired', 'rejected'],
  enroute: ['enroute', 'delivered', 'failed', 'expired', 'rejected'],
  delivered: [],
  // A final failure can be retried by an admin: it goes back to the queue.
  failed: ['queued'],
  expired: ['queued'],
  rejected: ['queued'],
  cancelled: ['queued'],
};

export function isFinal(state: DeliveryState): boolean {
  return FINAL_STATES.has(state);
}

export function canTransition(from: DeliveryState, to: DeliveryState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isDeliveryState(value: string): value is DeliveryState {
  return (DELIVERY_STATES as readonly string[]).includes(value);
}

/** @throws GW_ERR_STATE_ILLEGAL_TRANSITION when the machine does not allow `from → to`. */
export function assertTransition(from: DeliveryState, to: DeliveryState): void {
  if (!canTransition(from, to)) {
    throw heraldError('GW_ERR_STATE_ILLEGAL_TRANSITION', `${from} → ${to}`, { meta: { from, to } });
  }
}
