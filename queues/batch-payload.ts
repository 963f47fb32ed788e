/**
 * The data of a channel job that carries many deliveries (JobQueue.enqueueBatch). The core
 * knows channel jobs as one delivery each; only the queue adapter sees this shape, and the
 * worker runs the channel's handler once per delivery it lists.
 */

export interface BatchPayload {
  readonly deliveryIds: readonly string[];
}

export function batchPayload(deliveryIds: readonly string[]): BatchPayload {
  return { deliveryIds: [...deliveryIds] };
}

/** The deliveries of a batch job's data; undefined for any other job's data. */
export function deliveriesOfBatch(data: unknown): readonly string[] | undefined {
  if (typeof data !== 'object' || data === null || !('deliveryIds' in data)) return undefined;
  const ids: unknown = data.deliveryIds;
  return Array.isArray(ids) && ids.every((id): id is string => typeof id === 'string') ? ids : undefined;
}
