/**
 * A bounce that is not an RFC 3464 DSN (codecs/bounce-text.ts) → the delivery it names,
 * failed or delayed as a DSN with the same Action would (delivery-report.ts).
 *
 * Correlation: the Message-IDs of the returned copy (Herald's own, `<delivery id@…>`),
 * then the reply token when the notice answered the Reply-To (a vacation program or a
 * filter bouncing to Reply-To). Without either it matches nothing: it is counted and
 * logged, never relayed to the IM user as a reply.
 */
import { textBounceFromMime } from '../codecs/bounce-text.js';
import { headerValue, headerValues, type MimePart } from '../codecs/mime.js';
import type { CorrelationKind } from '../ports/ledger.port.js';
import { replyTokenIn, replyTokenKeys } from './addresses.js';
import { applyDeliveryReport } from './delivery-report.js';
import { correlate, mailDate, type InboundDeps } from './inbound-deps.js';

/**
 * @returns the outcome (`recorded`, `duplicate`, `late`, `unmatched`, `unclassified`).
 * @throws ledger and hook errors (transient).
 */
export async function handleTextBounce(root: MimePart, reportKey: string, deps: InboundDeps): Promise<string> {
  const bounce = textBounceFromMime(root);
  const log = deps.log.child({ reportKey });
  if (bounce === undefined) {
    log.info({ from: headerValue(root.headers, 'from'), subject: headerValue(root.headers, 'subject') }, 'automatic notice neither failure nor delay: not relayed');
    return 'unclassified';
  }
  const addressed = [...headerValues(root.headers, 'delivered-to'), ...headerValues(root.headers, 'to').flatMap((v) => v.split(','))];
  const token = replyTokenIn(deps.settings.replyAddress, addressed);
  const keys: (readonly [CorrelationKind, string])[] = [
    ...bounce.returnedMessageIds.map((id) => ['email-message-id', id] as const),
    ...(token === undefined ? [] : replyTokenKeys(token).map((key) => ['reply-token', key] as const)),
  ];
  const target = await correlate(deps.ledger, keys);
  if (target === undefined) {
    log.info({ returnedMessageIds: bounce.returnedMessageIds, action: bounce.action, status: bounce.status }, 'bounce matches no delivery');
    return 'unmatched';
  }
  const at = mailDate(headerValue(root.headers, 'date')) ?? (deps.now ?? (() => new Date()))();
  return applyDeliveryReport(deps, target, reportKey, {
    kind: 'bounce',
    action: bounce.action,
    status: bounce.status,
    diagnosticCode: bounce.diagnostic,
    finalRecipient: bounce.recipient,
    at,
  });
}
