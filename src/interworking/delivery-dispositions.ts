/**
 * Which IMDNs a delivery owes its sender, from where the delivery stands. The rules are
 * cumulative (what should have been sent by now), so the same question asked again
 * after a crash, by the sweep, or out of order gives the same answer; the ledger keeps
 * each (delivery, kind, status) once.
 *
 * "Handed off" means the far network took the message: the SMSC answered submit_sm
 * (state `submitted`) or the SMTP relay accepted it. That is when Herald, as the
 * interworking function, says the message left as SMS (REQ-DELNOT-13).
 */
import type { ImdnNotification } from '../codecs/imdn.js';
import { isFinal, type DeliveryState } from '../domain/delivery-state.js';
import type { Channel, ImdnRequestToken } from '../domain/message.js';
import { isRequested, tokenFor } from './request-tokens.js';

/** One row of {@link DISPOSITION_RULES}. */
export interface DispositionRule {
  /** Delivery states the row applies to. */
  readonly states: readonly DeliveryState[];
  /** true: only once handed off; false: only when never handed off; absent: either. */
  readonly handedOff?: boolean | undefined;
  /** Channels the row applies to; absent: every channel. */
  readonly channels?: readonly Channel[] | undefined;
  readonly notification: ImdnNotification;
  readonly why: string;
}

const AFTER_HAND_OFF: readonly DeliveryState[] = ['submitted', 'enroute', 'delivered', 'failed', 'expired', 'rejected'];
const FAILED: readonly DeliveryState[] = ['failed', 'expired', 'rejected', 'cancelled'];
const INTERWORKED: readonly Channel[] = ['sms', 'email'];

/**
 * In the order they are sent (interworking and processing before the final delivery
 * report, as the sender would see them happen); each only when its token was asked for
 * ({@link isRequested}).
 *
 * | state                                   | handed off | channel   | IMDN                               |
 * |-----------------------------------------|------------|-----------|------------------------------------|
 * | submitted … (any state after hand-off)  | yes        | sms       | interworking-notification legacy-sms |
 * | failed, rejected, cancelled             | no         | sms, email| interworking-notification error    |
 * | submitted … (any state after hand-off)  | yes        | sms, email| processing-notification processed  |
 * | enroute                                 | —          | any       | processing-notification stored     |
 * | failed, rejected, cancelled             | no         | sms, email| processing-notification error      |
 * | delivered                               | —          | any       | delivery-notification delivered    |
 * | failed, expired, rejected, cancelled    | —          | any       | delivery-notification failed       |
 *
 * Email has no interworking status of its own (OMA CPM defines legacy-sms and legacy-mms
 * only): an email hand-off is marked by processing `processed` and by recipient-uri
 * naming the mailto: target (docs/dispositions.md).
 */
export const DISPOSITION_RULES: readonly DispositionRule[] = [
  { states: AFTER_HAND_OFF, handedOff: true, channels: ['sms'], notification: { type: 'interworking', status: 'legacy-sms' }, why: 'left as SMS (OMA CPM interworking)' },
  { states: FAILED, handedOff: false, channels: INTERWORKED, notification: { type: 'interworking', status: 'error' }, why: 'the interworking itself failed' },
  { states: AFTER_HAND_OFF, handedOff: true, channels: INTERWORKED, notification: { type: 'processing', status: 'processed' }, why: 'the gateway handed it to the far network' },
  { states: ['enroute'], notification: { type: 'processing', status: 'stored' }, why: 'the far network holds it for later delivery' },
  { states: FAILED, handedOff: false, channels: INTERWORKED, notification: { type: 'processing', status: 'error' }, why: 'the gateway could not hand it on' },
  { states: ['delivered'], notification: { type: 'delivery', status: 'delivered' }, why: 'the far side confirmed delivery' },
  { states: FAILED, notification: { type: 'delivery', status: 'failed' }, why: 'the far side or the gateway gave up' },
];

/**
 * Request tokens that can make an IMDN due before a delivery is final (the hand-off and
 * held-at-the-far-side marks). A message that asked for none of them owes nothing until
 * its delivery is final: nothing needs deciding, or recording as decided, before then.
 */
export const TOKENS_DUE_BEFORE_FINAL: ReadonlySet<ImdnRequestToken> = new Set(
  DISPOSITION_RULES.filter((rule) => rule.states.some((state) => !isFinal(state))).map((rule) => tokenFor(rule.notification)),
);

/** What the rules look at. */
export interface DeliveryFacts {
  readonly state: DeliveryState;
  readonly channel: Channel;
  /** Whether the delivery ever reached `submitted` (see the module comment). */
  readonly handedOff: boolean;
  readonly requests: readonly ImdnRequestToken[];
}

/** The rows of {@link DISPOSITION_RULES} that apply, before looking at the request. */
export function applicableRules(facts: Omit<DeliveryFacts, 'requests'>): DispositionRule[] {
  return DISPOSITION_RULES.filter(
    (rule) =>
      rule.states.includes(facts.state) &&
      (rule.handedOff === undefined || rule.handedOff === facts.handedOff) &&
      (rule.channels === undefined || rule.channels.includes(facts.channel)),
  );
}

/** The IMDNs due for a delivery, in sending order; empty when none was requested. */
export function dueNotifications(facts: DeliveryFacts): ImdnNotification[] {
  return applicableRules(facts)
    .map((rule) => rule.notification)
    .filter((notification) => isRequested(facts.requests, notification, facts.channel));
}
