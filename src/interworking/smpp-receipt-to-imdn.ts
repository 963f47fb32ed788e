/**
 * SMPP delivery receipt states → IMDN (RFC 5438 delivery-notification), with the
 * human-readable reason a failed IMDN carries (REQ-DELNOT-12).
 *
 * SMS never yields a display-notification: there is no read receipt (see request-tokens).
 */
import type { ImdnDeliveryStatus, ImdnProcessingStatus } from '../codecs/imdn.js';
import type { ReceiptStat } from '../codecs/smpp-receipt.js';
import { commandStatusText, networkErrorText } from './smpp-error-codes.js';

/** What one receipt stat means for the IM sender. */
export interface SmppStatRule {
  /** The final delivery-notification status; undefined for an intermediate stat (not final). */
  readonly delivery?: ImdnDeliveryStatus | undefined;
  /** The processing-notification status an intermediate stat implies (the SMSC holds it). */
  readonly processing?: ImdnProcessingStatus | undefined;
  /** How the reason text names the state. */
  readonly text: string;
}

/**
 * | stat      | IMDN                               | reason text                                |
 * |-----------|------------------------------------|--------------------------------------------|
 * | DELIVRD   | delivery-notification delivered    | delivered                                  |
 * | ACCEPTD   | delivery-notification delivered    | accepted (final state, SMPP 3.4 §5.2.28)   |
 * | UNDELIV   | delivery-notification failed       | undeliverable                              |
 * | EXPIRED   | delivery-notification failed       | validity period expired before delivery    |
 * | REJECTD   | delivery-notification failed       | rejected                                   |
 * | DELETED   | delivery-notification failed       | deleted by the SMSC                        |
 * | UNKNOWN   | delivery-notification failed       | in an unknown state                        |
 * | SKIPPED   | delivery-notification failed       | skipped by the SMSC                        |
 * | ENROUTE, BUFFRED, SCHEDULED, ACKED | nothing final (processing stored) | … |
 *
 * ACCEPTD is intermediate (processing stored) only on a connection with acceptedIsFinal false.
 */
export const SMPP_STAT_TO_IMDN: Readonly<Record<ReceiptStat, SmppStatRule>> = {
  DELIVRD: { delivery: 'delivered', text: 'delivered' },
  UNDELIV: { delivery: 'failed', text: 'undeliverable' },
  EXPIRED: { delivery: 'failed', text: 'validity period expired before delivery' },
  REJECTD: { delivery: 'failed', text: 'rejected' },
  DELETED: { delivery: 'failed', text: 'deleted by the SMSC' },
  UNKNOWN: { delivery: 'failed', text: 'in an unknown state' },
  SKIPPED: { delivery: 'failed', text: 'skipped by the SMSC' },
  ENROUTE: { processing: 'stored', text: 'en route' },
  ACCEPTD: { delivery: 'delivered', text: 'accepted (final state, SMPP 3.4 §5.2.28)' },
  BUFFRED: { processing: 'stored', text: 'buffered by the SMSC' },
  SCHEDULED: { processing: 'stored', text: 'scheduled' },
  ACKED: { processing: 'stored', text: 'acknowledged by the SMSC' },
};

/** The facts of an SMS failure, as the receipt (or the submit refusal) gave them. */
export interface SmppFailureFacts {
  readonly stat?: ReceiptStat | undefined;
  /** `err:` of a text receipt, as sent (often three digits). */
  readonly err?: string | undefined;
  /** network_error_code's code, when the TLV was there. */
  readonly networkErrorCode?: number | undefined;
  readonly networkType?: number | undefined;
  /** submit_sm_resp command_status, when the SMSC refused the submit. */
  readonly commandStatus?: number | undefined;
}

/** `err:` values that mean "no error" to SMSCs: nothing to explain. */
function meaningfulErr(err: string | undefined): number | undefined {
  if (err === undefined || !/^\d{1,6}$/.test(err)) return undefined;
  const n = Number(err);
  return n === 0 ? undefined : n;
}

/**
 * `SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)`;
 * `SMSC refused the SMS: ESME_RINVDSTADR (0x0000000B): invalid destination address`.
 * @returns undefined when the facts hold nothing to explain (the caller falls back to the
 *   delivery's own error text).
 */
export function smppFailureReason(facts: SmppFailureFacts): string | undefined {
  if (facts.commandStatus !== undefined) return `SMSC refused the SMS: ${commandStatusText(facts.commandStatus)}`;
  if (facts.stat === undefined) return undefined;
  const base = `SMS ${SMPP_STAT_TO_IMDN[facts.stat].text} (${facts.stat})`;
  if (facts.networkErrorCode !== undefined && facts.networkErrorCode !== 0) {
    return `${base}: ${networkErrorText(facts.networkErrorCode, facts.networkType)}`;
  }
  const err = meaningfulErr(facts.err);
  if (err !== undefined) return `${base}: ${networkErrorText(err)}`;
  if (facts.err !== undefined && !/^0+$/.test(facts.err)) return `${base}: err ${facts.err}`;
  return base;
}
