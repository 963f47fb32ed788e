/**
 * A far-side delivery report (an RFC 3464 DSN or a bounce read from its text) applied to
 * the delivery it names. The Action decides, per DSN_ACTION_TO_IMDN in src/interworking:
 * delivered/expanded → `delivered` with the report's date as farSideAt; failed →
 * `failed` with the status as errorCode and the diagnostic as errorText; delayed/relayed
 * → a timeline event and the processing IMDN the table names. The transitions go through
 * the decorated ledger, which turns them into the IMDNs the sender asked for.
 */
import type { DsnAction } from '../codecs/dsn.js';
import { isFinal } from '../domain/delivery-state.js';
import { isHeraldError } from '../errors.js';
import { DSN_ACTION_TO_IMDN } from '../interworking/dsn-to-imdn.js';
import { alreadyRecorded, type Correlated, type InboundDeps } from './inbound-deps.js';

/** What one report says about one delivery. */
export interface DeliveryReport {
  /** `dsn`: RFC 3464 fields; `bounce`: read from a notice's text. */
  readonly kind: 'dsn' | 'bounce';
  readonly action: DsnAction;
  /** RFC 3463 status, e.g. `5.1.1`. */
  readonly status: string;
  readonly diagnosticCode?: string | undefined;
  readonly finalRecipient?: string | undefined;
  readonly reportingMta?: string | undefined;
  readonly remoteMta?: string | undefined;
  /** When the far side says it happened. */
  readonly at: Date;
}

/**
 * @returns the outcome (`recorded`, `duplicate`, `late`).
 * @throws ledger and hook errors (transient).
 */
export async function applyDeliveryReport(deps: InboundDeps, target: Correlated, reportKey: string, report: DeliveryReport): Promise<string> {
  const { ledger, metrics } = deps;
  const { delivery, message } = target;
  const log = deps.log.child({ msgId: message.id, deliveryId: delivery.id, reportKey });
  const rule = DSN_ACTION_TO_IMDN[report.action];
  const { at } = report;
  const cause = `${report.kind}:${report.action}`;
  const detail = {
    reportKey,
    format: report.kind === 'dsn' ? 'rfc3464' : 'text',
    action: report.action,
    status: report.status,
    diagnosticCode: report.diagnosticCode,
    finalRecipient: report.finalRecipient,
    reportingMta: report.reportingMta,
    remoteMta: report.remoteMta,
    at: at.toISOString(),
  };
  const notifyHook = async (): Promise<void> => {
    if (rule.processing !== undefined) await deps.hook?.afterFarSideReport(delivery.id, { type: 'processing', status: rule.processing }, at);
  };

  if (await alreadyRecorded(ledger, target, reportKey)) {
    // The hook is idempotent; re-running it covers a crash between event and IMDN.
    await notifyHook();
    return 'duplicate';
  }
  const to = rule.deliveryState;
  if (to === undefined) {
    await ledger.appendEvent({ messageId: message.id, deliveryId: delivery.id, type: 'dsn', cause, detail });
    await notifyHook();
    log.info({ action: report.action, status: report.status, format: detail.format }, 'delivery report recorded');
    return 'recorded';
  }
  if (isFinal(delivery.state)) {
    await ledger.appendEvent({ messageId: message.id, deliveryId: delivery.id, type: 'dsn', cause, detail: { ...detail, late: true } });
    log.info({ action: report.action, state: delivery.state }, 'delivery report for a delivery already final: recorded as an event');
    return 'late';
  }
  // The report beat the job's own `submitted` (the relay answered, the worker has not
  // recorded it yet): record the hand-off first so the state machine allows the report.
  if (delivery.state === 'accepted') await ledger.transition({ deliveryId: delivery.id, to: 'queued', cause: 'dsn-before-submit' });
  if (delivery.state === 'accepted' || delivery.state === 'queued') {
    await ledger.transition({ deliveryId: delivery.id, to: 'submitted', cause: 'dsn-before-submit' });
  }
  const failed = to !== 'delivered';
  try {
    await ledger.transition({
      deliveryId: delivery.id,
      to,
      cause,
      farSideAt: at,
      errorCode: failed ? report.status : undefined,
      errorText: failed ? (report.diagnosticCode ?? `Status ${report.status}`) : undefined,
      detail,
    });
  } catch (err) {
    // A concurrent report (another node, the other mailbox) finished it first.
    if (!isHeraldError(err, 'GW_ERR_STATE_ILLEGAL_TRANSITION')) throw err;
    await ledger.appendEvent({ messageId: message.id, deliveryId: delivery.id, type: 'dsn', cause, detail: { ...detail, late: true } });
    return 'late';
  }
  metrics.deliveriesFinal.inc({ channel: 'email', state: to });
  metrics.receiptLatencySeconds.observe({ channel: 'email' }, Math.max(0, (Date.now() - delivery.createdAt.getTime()) / 1000));
  log.info({ action: report.action, status: report.status, diagnostic: report.diagnosticCode, format: detail.format }, 'delivery report moved the delivery');
  return 'recorded';
}
