/**
 * The `email-send` job: sends one email delivery through the SMTP relay.
 *
 * Idempotent: a final delivery is left alone, and one already `submitted` was accepted by
 * the relay. The Message-ID and reply token are prepared (and their correlations stored)
 * before sending, and a retried job reuses them, so a report or a reply to any attempt
 * finds its delivery. A crash between the relay's 250 and the `submitted` transition
 * sends the mail again on retry (SMTP cannot tell); it carries the same Message-ID, so
 * mail clients show it once.
 *
 * Outcomes: 250 → `submitted` (DSNs move it on); a 5xx to the message → `failed` with the
 * enhanced status (`5.1.1`) as errorCode and the reply as errorText; a 4xx, a lost
 * connection or no relay configured → retried by the queue, until `smtp.retryGiveUpMs`
 * after the delivery was created (no relay configured: retried without giving up).
 *
 * A relay that does not answer at all (GW_ERR_SMTP_UNAVAILABLE) costs a job none of its
 * queue attempts (queues/workers.ts): an outage of any length up to `retryGiveUpMs` must
 * not fail mail that was never refused. Such a job comes back after about as long as the
 * relay has been down so far (1 s to 60 s, jittered), so a long outage is probed rarely
 * and a short one ends quickly.
 */
import { isFinal } from '../domain/delivery-state.js';
import type { StoredDelivery } from '../domain/message.js';
import { heraldError, isHeraldError, type HeraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { EmailStore } from '../ports/email-store.port.js';
import type { JobHandler } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { MailTransport, MailTransportStatus } from '../ports/mail-transport.port.js';
import { mailtoAddress, newReplyToken } from './addresses.js';
import { composeMail } from './compose.js';
import type { EmailSettings } from './settings.js';

export interface EmailSendDeps {
  readonly settings: EmailSettings;
  readonly ledger: Ledger;
  readonly store: EmailStore;
  readonly transport: MailTransport;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** The shortest wait before a job tries an unreachable relay again. */
export const RELAY_RETRY_MIN_MS = 1_000;
/** The longest: a relay back from a long outage gets its mail within a minute. */
export const RELAY_RETRY_MAX_MS = 60_000;

/**
 * How long a job waits before trying a relay that did not answer: about as long as the
 * relay has been down (`since`), within [RELAY_RETRY_MIN_MS, RELAY_RETRY_MAX_MS], half of
 * it jittered so jobs that failed together do not come back together.
 */
export function relayRetryMs(status: MailTransportStatus, nowMs: number, random: () => number = Math.random): number {
  const downFor = status.state === 'failing' ? nowMs - status.since : 0;
  const ceiling = Math.min(RELAY_RETRY_MAX_MS, Math.max(RELAY_RETRY_MIN_MS, downFor));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The failure code a delivery keeps: the enhanced status when the relay gave one. */
function errorCodeOf(error: HeraldError): string {
  const { enhancedStatus, responseCode } = error.meta;
  if (typeof enhancedStatus === 'string') return enhancedStatus;
  if (typeof responseCode === 'number') return `smtp:${responseCode}`;
  return error.code;
}

export function createEmailSendHandler(deps: EmailSendDeps): JobHandler<'email-send'> {
  const { settings, ledger, store, transport, metrics } = deps;
  const now = deps.now ?? (() => new Date());

  async function fail(delivery: StoredDelivery, error: HeraldError, log: Logger): Promise<void> {
    const response = error.meta.response;
    await ledger.transition({
      deliveryId: delivery.id,
      to: 'failed',
      cause: typeof error.meta.responseCode === 'number' ? `smtp:${error.meta.responseCode}` : error.code,
      errorCode: errorCodeOf(error),
      errorText: typeof response === 'string' ? response : error.detail,
      detail: { command: error.meta.command },
    });
    metrics.deliveriesFinal.inc({ channel: 'email', state: 'failed' });
    log.error({ err: error }, 'email delivery failed permanently');
  }

  /** Whether this delivery's newest event already says the relay was not answering. */
  async function lastEventWasUnavailable(messageId: string, deliveryId: string): Promise<boolean> {
    const last = (await ledger.listEvents(messageId)).filter((e) => e.deliveryId === deliveryId).at(-1);
    return last?.type === 'smtp-attempt' && last.cause === 'GW_ERR_SMTP_UNAVAILABLE';
  }

  return async ({ deliveryId }, context) => {
    let delivery = await ledger.getDelivery(deliveryId);
    if (delivery === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `delivery ${deliveryId}`);
    if (isFinal(delivery.state) || delivery.state === 'submitted' || delivery.state === 'enroute') return;
    const message = await ledger.getMessage(delivery.messageId);
    if (message === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `message ${delivery.messageId}`);
    const log = deps.log.child({ msgId: message.id, deliveryId, jobId: context.jobId });

    if (!transport.configured) {
      log.warn({ attempt: context.attempt, retryInMs: settings.noRelayRetryMs }, 'email delivery waits: no SMTP relay configured (smtp.host)');
      throw heraldError('GW_ERR_SMTP_UNAVAILABLE', 'no SMTP relay configured (smtp.host)', { meta: { retryAfterMs: settings.noRelayRetryMs } });
    }
    if (delivery.state === 'accepted') delivery = await ledger.transition({ deliveryId, to: 'queued', cause: 'worker' });

    let recipient: string;
    try {
      recipient = mailtoAddress(delivery.targetUri);
    } catch (err) {
      if (isHeraldError(err)) return fail(delivery, err, log);
      throw err;
    }
    const prepared = await store.prepareMail({
      deliveryId,
      // UUIDv7 delivery ids are unique without coordination: a fine Message-ID left part.
      messageId: `<${deliveryId}@${settings.messageIdDomain}>`,
      replyToken: newReplyToken(),
      senderUri: message.senderUri,
      recipient,
    });
    // Stored before sending: a DSN or reply can beat the 250 back.
    await ledger.correlations.putCorrelation({ kind: 'email-envid', key: deliveryId, deliveryId });
    await ledger.correlations.putCorrelation({ kind: 'email-message-id', key: prepared.messageId, deliveryId });
    await ledger.correlations.putCorrelation({ kind: 'reply-token', key: prepared.replyToken, deliveryId });

    const entry = await ledger.directory.byImUri(message.senderUri);
    // Only list messages have a copyControl: single-recipient mail skips the extra read.
    const group = delivery.copyControl === undefined ? undefined : await ledger.listDeliveries(message.id);
    const mail = composeMail({ message, delivery, recipient, prepared, sender: { email: entry?.email, displayName: entry?.displayName }, settings, group });

    let response: string;
    try {
      response = (await transport.send(mail)).response;
    } catch (err) {
      if (!isHeraldError(err)) throw err;
      if (err.permanent) {
        metrics.emailSent.inc({ outcome: 'rejected' });
        return fail(delivery, err, log);
      }
      metrics.emailSent.inc({ outcome: err.code === 'GW_ERR_SMTP_DEFERRED' ? 'deferred' : 'unavailable' });
      // A relay that stays away is tried every minute for up to a day: one event for the
      // whole run of such tries keeps the timeline readable and the events table bounded.
      // Its cause is the code, not the reply (a 502 to STARTTLS is the relay's set-up, not
      // this mail), so the next try of the run finds it.
      const unavailable = err.code === 'GW_ERR_SMTP_UNAVAILABLE';
      const runGoesOn = unavailable && (await lastEventWasUnavailable(message.id, deliveryId));
      if (!runGoesOn) await ledger.appendEvent({
        messageId: message.id,
        deliveryId,
        type: 'smtp-attempt',
        cause: unavailable || typeof err.meta.responseCode !== 'number' ? err.code : `smtp:${err.meta.responseCode}`,
        detail: { attempt: context.attempt, response: err.meta.response, command: err.meta.command, error: err.detail },
      });
      if (now().getTime() - delivery.createdAt.getTime() >= settings.retryGiveUpMs) {
        log.warn({ err }, 'giving up on email delivery');
        return fail(delivery, heraldError(err.code, `gave up after retries: ${err.detail}`, { meta: err.meta }), log);
      }
      if (unavailable) {
        const retryAfterMs = relayRetryMs(transport.status(), now().getTime());
        // An expected condition, said once per run and without a stack; the rest at debug.
        const facts = { error: err.detail, attempt: context.attempt, retryInMs: retryAfterMs };
        if (runGoesOn) log.debug(facts, 'email delivery still waits: SMTP relay not answering');
        else log.warn(facts, 'email delivery waits: SMTP relay not answering');
        throw heraldError(err.code, err.detail, { cause: err, meta: { ...err.meta, retryAfterMs } });
      }
      log.warn({ err, attempt: context.attempt }, 'email delivery deferred; will retry');
      throw err;
    }
    metrics.emailSent.inc({ outcome: 'accepted' });
    await ledger.transition({
      deliveryId,
      to: 'submitted',
      cause: 'smtp:250',
      // The queue attempt it took: tries that found no relay at all do not count.
      detail: { smtpResponse: response, emailMessageId: prepared.messageId, notify: mail.dsn.notify, mdnRequested: mail.dispositionNotificationTo !== undefined, attempt: context.attempt },
    });
    log.info({ emailMessageId: prepared.messageId, notify: mail.dsn.notify, response }, 'email accepted by the relay');
  };
}
