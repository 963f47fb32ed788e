/**
 * The human-readable reason a failure IMDN carries (REQ-DELNOT-12), built from what the
 * far side said: the SMPP receipt's stat and err/network_error_code, the SMSC's
 * command_status, or the DSN Status and Diagnostic-Code. Pure.
 */
import type { DeliveryEvent, StoredDelivery } from '../domain/message.js';
import { dsnFailureReason } from '../interworking/dsn-to-imdn.js';
import { SMPP_STAT_TO_IMDN, smppFailureReason } from '../interworking/smpp-receipt-to-imdn.js';
import { isReceiptStat } from './receipt-stat.js';

export interface FailureReason {
  readonly reason: string;
  /** The far side's code (`smpp:001`, `smpp-status:0x0000000b`, `5.1.1`), when known. */
  readonly code?: string | undefined;
}

const ENHANCED_STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;
const COMMAND_STATUS = /^smpp-status:0x([0-9a-f]{1,8})$/i;

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The latest failing receipt of the delivery (the one whose error decided it, usually). */
function failingReceipt(delivery: StoredDelivery, events: readonly DeliveryEvent[]): DeliveryEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e === undefined || e.deliveryId !== delivery.id || e.type !== 'receipt') continue;
    const stat = e.detail.stat;
    if (typeof stat === 'string' && isReceiptStat(stat) && SMPP_STAT_TO_IMDN[stat].delivery === 'failed') return e;
  }
  return undefined;
}

function smsReason(delivery: StoredDelivery, events: readonly DeliveryEvent[]): string | undefined {
  const status = COMMAND_STATUS.exec(delivery.errorCode ?? '');
  if (status?.[1] !== undefined) return smppFailureReason({ commandStatus: parseInt(status[1], 16) });
  const receipt = failingReceipt(delivery, events);
  if (receipt === undefined) return undefined;
  const { stat, err, errorCode, networkType } = receipt.detail;
  const type = numberOf(networkType);
  return smppFailureReason({
    stat: typeof stat === 'string' && isReceiptStat(stat) ? stat : undefined,
    err: typeof err === 'string' ? err : undefined,
    // errorCode holds network_error_code's code only when the TLV came (then networkType is set).
    networkErrorCode: type === undefined ? undefined : numberOf(errorCode),
    networkType: type,
  });
}

/** The reason for a delivery in a failed, expired, rejected or cancelled state. */
export function failureReason(delivery: StoredDelivery, events: readonly DeliveryEvent[]): FailureReason {
  const code = delivery.errorCode;
  let reason: string | undefined;
  if (delivery.channel === 'sms') reason = smsReason(delivery, events);
  if (delivery.channel === 'email' && code !== undefined && ENHANCED_STATUS.test(code)) reason = dsnFailureReason(code, delivery.errorText);
  reason ??= delivery.errorText;
  reason ??= delivery.state === 'cancelled' ? 'cancelled by the gateway operator' : `message ${delivery.state}`;
  return { reason, code };
}
