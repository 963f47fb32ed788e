/**
 * What a delivery's timeline says about it, for the IMDNs: whether it was ever handed to
 * the far network, and when it reached a state. Pure.
 */
import type { DeliveryState } from '../domain/delivery-state.js';
import type { DeliveryEvent, StoredDelivery } from '../domain/message.js';

/** States that exist only after the far network took the message. */
const ONLY_AFTER_HAND_OFF: ReadonlySet<DeliveryState> = new Set(['submitted', 'enroute', 'delivered', 'expired']);

/**
 * Whether the delivery was ever `submitted`. A failure or rejection may come before
 * (the SMSC refused submit_sm) or after (a receipt): only the timeline tells them apart.
 */
export function wasHandedOff(delivery: StoredDelivery, events: readonly DeliveryEvent[]): boolean {
  if (ONLY_AFTER_HAND_OFF.has(delivery.state)) return true;
  return events.some((e) => e.deliveryId === delivery.id && e.type === 'state' && e.toState === 'submitted');
}

/** When the delivery last entered `state`, by its timeline; undefined when it never did. */
export function reachedAt(delivery: StoredDelivery, events: readonly DeliveryEvent[], state: DeliveryState): Date | undefined {
  let at: Date | undefined;
  for (const e of events) if (e.deliveryId === delivery.id && e.type === 'state' && e.toState === state) at = e.at;
  return at;
}

/**
 * The `<datetime>` of a final report (REQ-DISNOT-6): when the far side delivered it or
 * gave up (farSideAt, from the receipt or DSN), else when Herald learnt of it (the
 * transition's time): never the time the IMDN happens to be built.
 */
export function finalAt(delivery: StoredDelivery, events: readonly DeliveryEvent[]): Date {
  return delivery.farSideAt ?? reachedAt(delivery, events, delivery.state) ?? delivery.updatedAt;
}
