/**
 * RFC 3464 DSN per-recipient Action/Status → IMDN, with the reason a failed IMDN
 * carries (Status and Diagnostic-Code, REQ-DELNOT-12). The email channel applies the
 * delivery state; the dispositions service turns that into IMDNs.
 */
import type { ImdnDeliveryStatus, ImdnProcessingStatus } from '../codecs/imdn.js';
import type { DsnAction } from '../codecs/dsn.js';
import type { DeliveryState } from '../domain/delivery-state.js';

/** What one DSN action means for the delivery and the IM sender. */
export interface DsnActionRule {
  /** The delivery's new state; undefined: not final, the delivery stays where it is. */
  readonly deliveryState?: DeliveryState | undefined;
  readonly delivery?: ImdnDeliveryStatus | undefined;
  readonly processing?: ImdnProcessingStatus | undefined;
  readonly why: string;
}

/**
 * | Action    | delivery  | IMDN                                   | why |
 * |-----------|-----------|----------------------------------------|-----|
 * | delivered | delivered | delivery-notification delivered        | the receiving MTA put it in the mailbox |
 * | expanded  | delivered | delivery-notification delivered        | delivered to a list that forwarded it on (RFC 3464 §2.3.3) |
 * | failed    | failed    | delivery-notification failed + reason  | Status and Diagnostic-Code as the reason |
 * | delayed   | —         | processing-notification stored         | still queued at an MTA: nothing final |
 * | relayed   | —         | processing-notification processed      | left for a domain that sends no DSN: relayed by a gateway, no end-to-end proof |
 */
export const DSN_ACTION_TO_IMDN: Readonly<Record<DsnAction, DsnActionRule>> = {
  delivered: { deliveryState: 'delivered', delivery: 'delivered', why: 'delivered to the mailbox' },
  expanded: { deliveryState: 'delivered', delivery: 'delivered', why: 'delivered to a list that forwarded it' },
  failed: { deliveryState: 'failed', delivery: 'failed', why: 'the mail system gave up' },
  delayed: { processing: 'stored', why: 'held in a mail queue; delivery still being tried' },
  relayed: { processing: 'processed', why: 'relayed to a mail system that sends no reports' },
};

/** RFC 3463 §3.1 status classes. */
export const DSN_STATUS_CLASSES: ReadonlyMap<string, string> = new Map([
  ['2', 'success'],
  ['4', 'persistent transient failure'],
  ['5', 'permanent failure'],
]);

/** RFC 3463 §3.3–3.9: the subject.detail codes mail systems commonly report. */
export const DSN_STATUS_DETAILS: ReadonlyMap<string, string> = new Map([
  ['0.0', 'other undefined status'],
  ['1.0', 'other address status'],
  ['1.1', 'bad destination mailbox address'],
  ['1.2', 'bad destination system address'],
  ['1.3', 'bad destination mailbox address syntax'],
  ['1.6', 'destination mailbox has moved'],
  ['2.0', 'other or undefined mailbox status'],
  ['2.1', 'mailbox disabled, not accepting messages'],
  ['2.2', 'mailbox full'],
  ['2.3', 'message length exceeds administrative limit'],
  ['3.0', 'other or undefined mail system status'],
  ['3.4', 'message too big for system'],
  ['4.0', 'other or undefined network or routing status'],
  ['4.1', 'no answer from host'],
  ['4.2', 'bad connection'],
  ['4.4', 'unable to route'],
  ['4.7', 'delivery time expired'],
  ['5.0', 'other or undefined protocol status'],
  ['6.0', 'other or undefined media error'],
  ['7.0', 'other or undefined security status'],
  ['7.1', 'delivery not authorized, message refused'],
]);

/**
 * `5.1.1 permanent failure: bad destination mailbox address (smtp; 550 5.1.1 <bob@x> User unknown)`.
 */
export function dsnFailureReason(status: string, diagnosticCode?: string): string {
  const [klass = '', subject = '', detail = ''] = status.split('.');
  const parts = [DSN_STATUS_CLASSES.get(klass), DSN_STATUS_DETAILS.get(`${subject}.${detail}`)].filter((p) => p !== undefined);
  const head = parts.length === 0 ? status : `${status} ${parts.join(': ')}`;
  const diagnostic = diagnosticCode?.trim();
  return diagnostic === undefined || diagnostic === '' ? head : `${head} (${diagnostic})`;
}
