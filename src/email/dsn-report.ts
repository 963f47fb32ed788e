/**
 * A DSN (RFC 3464) read from a watched mailbox → the delivery it reports on.
 *
 * Correlation: Original-Envelope-Id (the ENVID Herald sent, the delivery id) first, the
 * returned headers' Message-ID second. The Action decides, per DSN_ACTION_TO_IMDN in
 * src/interworking: delivered/expanded → `delivered` with the Last-Attempt-Date (else
 * Arrival-Date) as farSideAt; failed → `failed` with the Status as errorCode and the
 * Diagnostic-Code as errorText; delayed/relayed → a timeline event and the processing
 * IMDN the table names. The transitions go through the decorated ledger, which turns
 * them into the IMDNs the sender asked for.
 */
import { dsnFromMime, type Dsn, type DsnRecipient } from '../codecs/dsn.js';
import type { MimePart } from '../codecs/mime.js';
import { isFinal } from '../domain/delivery-state.js';
import { isHeraldError } from '../errors.js';
import { DSN_ACTION_TO_IMDN } from '../interworking/dsn-to-imdn.js';
import { mailtoAddress } from './addresses.js';
import { alreadyRecorded, correlate, mailDate, type Correlated, type InboundDeps } from './inbound-deps.js';

/** The block about this delivery's recipient; the first when none names it. */
function recipientBlock(dsn: Dsn, target: Correlated): DsnRecipient | undefined {
  let address: string | undefined;
  try {
    address = mailtoAddress(target.delivery.targetUri).toLowerCase();
  } catch {
    address = undefined;
  }
  const named = dsn.recipients.find((r) => r.originalRecipient?.toLowerCase() === address || r.finalRecipient.toLowerCase() === address);
  return named ?? dsn.recipients[0];
}

/**
 * @returns the outcome (`recorded`, `duplicate`, `late`, `unmatched`).
 * @throws GW_ERR_DSN_MALFORMED from the codec; ledger errors (transient).
 */
export async function handleDsn(root: MimePart, reportKey: string, deps: InboundDeps): Promise<string> {
  const { ledger, metrics } = deps;
  const dsn = dsnFromMime(root);
  const target = await correlate(ledger, [
    ['email-envid', dsn.originalEnvelopeId],
    ['email-message-id', dsn.originalMessageId],
  ]);
  if (target === undefined) {
    deps.log.info({ envid: dsn.originalEnvelopeId, originalMessageId: dsn.originalMessageId, reportKey }, 'DSN matches no delivery');
    return 'unmatched';
  }
  const { delivery, message } = target;
  const log = deps.log.child({ msgId: message.id, deliveryId: delivery.id });
  const block = recipientBlock(dsn, target);
  if (block === undefined) return 'unmatched';
  const rule = DSN_ACTION_TO_IMDN[block.action];
  const at = mailDate(block.lastAttemptDate) ?? mailDate(dsn.arrivalDate) ?? (deps.now ?? (() => new Date()))();
  const detail = {
    reportKey,
    action: block.action,
    status: block.status,
    diagnosticCode: block.diagnosticCode,
    finalRecipient: block.finalRecipient,
    reportingMta: dsn.reportingMta,
    remoteMta: block.remoteMta,
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
    await ledger.appendEvent({ messageId: message.id, deliveryId: delivery.id, type: 'dsn', cause: `dsn:${block.action}`, detail });
    await notifyHook();
    log.info({ action: block.action, status: block.status }, 'DSN recorded');
    return 'recorded';
  }
  if (isFinal(delivery.state)) {
    await ledger.appendEvent({ messageId: message.id, deliveryId: delivery.id, type: 'dsn', cause: `dsn:${block.action}`, detail: { ...detail, late: true } });
    log.info({ action: block.action, state: delivery.state }, 'DSN for a delivery already final: recorded as an event');
    return 'late';
  }
  // The DSN beat the job's own `submitted` (the relay answered, the worker has not
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
      cause: `dsn:${block.action}`,
      farSideAt: at,
      errorCode: failed ? block.status : undefined,
      errorText: failed ? (block.diagnosticCode ?? `Status ${block.status}`) : undefined,
      detail,
    });
  } catch (err) {
    // A concurrent report (another node, the other mailbox) finished it first.
    if (!isHeraldError(err, 'GW_ERR_STATE_ILLEGAL_TRANSITION')) throw err;
    await ledger.appendEvent({ messageId: message.id, deliveryId: delivery.id, type: 'dsn', cause: `dsn:${block.action}`, detail: { ...detail, late: true } });
    return 'late';
  }
  metrics.deliveriesFinal.inc({ channel: 'email', state: to });
  metrics.receiptLatencySeconds.observe({ channel: 'email' }, Math.max(0, (Date.now() - delivery.createdAt.getTime()) / 1000));
  log.info({ action: block.action, status: block.status, diagnostic: block.diagnosticCode }, 'DSN moved the delivery');
  return 'recorded';
}
