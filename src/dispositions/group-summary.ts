/**
 * The group summary (REQ-DISNOT-10/11): for a message sent to several recipients, when
 * `imdn.groupSummary` is on, one delivery-notification once every recipient is final,
 * besides each recipient's own IMDN. Its status is `delivered` only when every recipient
 * was delivered, else `failed` with each recipient's result in Herald's error-reason
 * extension; it names no single recipient. Pure.
 */
import type { ImdnNotification } from '../codecs/imdn.js';
import { isFinal } from '../domain/delivery-state.js';
import type { DeliveryEvent, StoredDelivery } from '../domain/message.js';
import { finalAt } from './delivery-history.js';
import { failureReason } from './failure-reason.js';

export interface GroupSummary {
  readonly notification: Extract<ImdnNotification, { type: 'delivery' }>;
  /** The last recipient's final time. */
  readonly at: Date;
  readonly reason?: string | undefined;
  /** `1/2 delivered`. */
  readonly code: string;
}

/** @returns undefined for a single recipient, or while any recipient is not final. */
export function groupSummary(deliveries: readonly StoredDelivery[], events: readonly DeliveryEvent[]): GroupSummary | undefined {
  if (deliveries.length < 2 || !deliveries.every((d) => isFinal(d.state))) return undefined;
  const delivered = deliveries.filter((d) => d.state === 'delivered').length;
  const at = new Date(Math.max(...deliveries.map((d) => finalAt(d, events).getTime())));
  const code = `${delivered}/${deliveries.length} delivered`;
  if (delivered === deliveries.length) return { notification: { type: 'delivery', status: 'delivered' }, at, code };
  const results = deliveries.map((d) =>
    d.state === 'delivered' ? `${d.targetUri}: delivered` : `${d.targetUri}: ${d.state} (${failureReason(d, events).reason})`,
  );
  return { notification: { type: 'delivery', status: 'failed' }, at, reason: results.join('; '), code };
}
