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
import { isHeraldError } from '../errors.js';
import { mailtoAddress } from './addresses.js';
import { handleTextBounce } from './bounce-report.js';
import { applyDeliveryReport } from './delivery-report.js';
import { correlate, mailDate, type Correlated, type InboundDeps } from './inbound-deps.js';

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
 * @throws GW_ERR_DSN_MALFORMED from the codec when the text is no bounce either; ledger
 * errors (transient).
 */
export async function handleDsn(root: MimePart, reportKey: string, deps: InboundDeps): Promise<string> {
  let dsn: Dsn;
  try {
    dsn = dsnFromMime(root);
  } catch (err) {
    // A report too broken to read as fields may still say in words what happened.
    if (!isHeraldError(err, 'GW_ERR_DSN_MALFORMED')) throw err;
    const outcome = await handleTextBounce(root, reportKey, deps);
    if (outcome === 'unclassified') throw err;
    return outcome;
  }
  const target = await correlate(deps.ledger, [
    ['email-envid', dsn.originalEnvelopeId],
    ['email-message-id', dsn.originalMessageId],
  ]);
  if (target === undefined) {
    deps.log.info({ envid: dsn.originalEnvelopeId, originalMessageId: dsn.originalMessageId, reportKey }, 'DSN matches no delivery');
    return 'unmatched';
  }
  const block = recipientBlock(dsn, target);
  if (block === undefined) return 'unmatched';
  const at = mailDate(block.lastAttemptDate) ?? mailDate(dsn.arrivalDate) ?? (deps.now ?? (() => new Date()))();
  return applyDeliveryReport(deps, target, reportKey, {
    kind: 'dsn',
    action: block.action,
    status: block.status,
    diagnosticCode: block.diagnosticCode,
    finalRecipient: block.finalRecipient,
    reportingMta: dsn.reportingMta === '' ? undefined : dsn.reportingMta,
    remoteMta: block.remoteMta,
    at,
  });
}
