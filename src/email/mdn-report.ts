/**
 * An MDN (RFC 8098) read from a watched mailbox → an `mdn` event on the delivery's
 * timeline, and for `displayed` the display IMDN (MDN_DISPOSITION_TO_IMDN in
 * src/interworking: deleted, dispatched and processed say nothing about reading).
 * Correlation: Original-Message-ID (the Message-ID Herald wrote), else the returned
 * headers' Message-ID.
 */
import { normalizeMessageId, headerValue, type MimePart } from '../codecs/mime.js';
import { mdnFromMime } from '../codecs/mdn.js';
import { MDN_DISPOSITION_TO_IMDN } from '../interworking/mdn-to-imdn.js';
import { alreadyRecorded, correlate, mailDate, type InboundDeps } from './inbound-deps.js';

/**
 * @returns the outcome (`recorded`, `duplicate`, `unmatched`).
 * @throws GW_ERR_MDN_MALFORMED from the codec; ledger and hook errors (transient).
 */
export async function handleMdn(root: MimePart, reportKey: string, deps: InboundDeps): Promise<string> {
  const { ledger } = deps;
  const mdn = mdnFromMime(root);
  const target = await correlate(ledger, [
    ['email-message-id', mdn.originalMessageId],
    ['email-message-id', normalizeMessageId(headerValue(mdn.returnedHeaders, 'message-id'))],
  ]);
  if (target === undefined) {
    deps.log.info({ originalMessageId: mdn.originalMessageId, reportKey }, 'MDN matches no delivery');
    return 'unmatched';
  }
  const { delivery, message } = target;
  const disposition = mdn.disposition.type;
  const at = mailDate(headerValue(root.headers, 'date')) ?? (deps.now ?? (() => new Date()))();
  const rule = MDN_DISPOSITION_TO_IMDN[disposition];
  const display = rule.display;
  // A report after the delivery was already told says what it changes (issue 17 item 9).
  const meaning = delivery.state === 'delivered' && display === undefined ? `${rule.why}, after the delivered report; that IMDN stands, no display IMDN follows` : rule.why;
  const notifyHook = async (): Promise<void> => {
    if (display !== undefined) await deps.hook?.afterFarSideReport(delivery.id, { type: 'display', status: display }, at);
  };
  if (await alreadyRecorded(ledger, target, reportKey)) {
    await notifyHook();
    return 'duplicate';
  }
  await ledger.appendEvent({
    messageId: message.id,
    deliveryId: delivery.id,
    type: 'mdn',
    cause: `mdn:${disposition}`,
    detail: {
      reportKey,
      disposition,
      actionMode: mdn.disposition.actionMode,
      sendingMode: mdn.disposition.sendingMode,
      modifiers: mdn.disposition.modifiers,
      finalRecipient: mdn.finalRecipient,
      reportingUa: mdn.reportingUa,
      meaning,
      at: at.toISOString(),
    },
  });
  await notifyHook();
  deps.log.child({ msgId: message.id, deliveryId: delivery.id }).info({ disposition, display: display !== undefined }, 'MDN recorded');
  return 'recorded';
}
