/**
 * What the inbound side (reports and replies) needs, and the helpers its handlers share:
 * correlation, idempotency and dates.
 */
import type { ImdnNotification } from '../codecs/imdn.js';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { CorrelationKind, Ledger } from '../ports/ledger.port.js';
import type { GroupsConfig } from '../config-content.js';
import type { EmailSettings } from './settings.js';

/**
 * Where a far-side report that changes no state becomes an IMDN (an MDN `displayed`, a
 * DSN `delayed`/`relayed`). The dispositions module's DispositionService is one; it is
 * idempotent per (delivery, notification), so calling it again after a crash is safe.
 */
export interface FarSideReportHook {
  afterFarSideReport(deliveryId: string, notification: ImdnNotification, at: Date): Promise<unknown>;
}

export interface InboundDeps {
  readonly settings: EmailSettings;
  /** The ledger whose transitions tell the dispositions module (main.ts passes the decorated one). */
  readonly ledger: Ledger;
  readonly jobs: JobQueue;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly hook?: FarSideReportHook | undefined;
  readonly now?: () => Date;
  /** Reply window and reply-to-all (REQ-GROUP-4); without it a reply goes to the IM sender only. */
  readonly groups?: GroupsConfig | undefined;
}

export interface Correlated {
  readonly delivery: StoredDelivery;
  readonly message: StoredMessage;
}

/**
 * The delivery the first key that is ours points at. Keys are tried in order: the caller
 * puts the most reliable first (ENVID before a returned Message-ID).
 * @throws GW_ERR_DB_UNREACHABLE
 */
export async function correlate(ledger: Ledger, keys: readonly (readonly [CorrelationKind, string | undefined])[]): Promise<Correlated | undefined> {
  for (const [kind, key] of keys) {
    if (key === undefined || key === '') continue;
    const found = await ledger.correlations.findCorrelation(kind, key);
    if (found === undefined) continue;
    const delivery = await ledger.getDelivery(found.deliveryId);
    const message = delivery === undefined ? undefined : await ledger.getMessage(delivery.messageId);
    if (delivery !== undefined && message !== undefined) return { delivery, message };
  }
  return undefined;
}

/**
 * Whether a report was already recorded on the delivery's timeline: every event written
 * for an inbound mail carries its `reportKey`, so a mail processed again after a crash
 * (before the watcher recorded its UID) has no effect twice.
 * @throws GW_ERR_DB_UNREACHABLE
 */
export async function alreadyRecorded(ledger: Ledger, target: Correlated, reportKey: string): Promise<boolean> {
  const events = await ledger.listEvents(target.message.id);
  return events.some((e) => e.deliveryId === target.delivery.id && e.detail.reportKey === reportKey);
}

/** An RFC 5322 date-time (Arrival-Date, Last-Attempt-Date, Date:), or undefined. */
export function mailDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  // Date.parse reads RFC 5322 dates once comments like "(UTC)" are gone.
  const ms = Date.parse(value.replace(/\([^()]*\)/g, ' ').trim());
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
