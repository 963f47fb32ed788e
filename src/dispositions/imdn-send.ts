/**
 * The `imdn-send` job: sends one IMDN as a SIP MESSAGE and records how it went.
 *
 * The IMDN travels in CPIM (RFC 5438 §7.1.1: a fresh imdn.Message-ID, Content-Type
 * message/imdn+xml, Content-Disposition: notification) to the topmost IMDN-Record-Route
 * entry the sender's IM carried (copied into IMDN-Route, RFC 5438 §9.3), else to the
 * sender (the CPIM From, else the SIP From: message.senderUri). Herald speaks as its own
 * identity (sip.identity), answering its outbound proxy's digest challenge (REQ-DISNOT-8).
 *
 * One attempt per job run, with the retry policy of sip-deliver (same helpers): 408, 480,
 * 5xx and transport errors are retried with backoff (Retry-After honoured) until
 * sip.retryGiveUpMs after the IMDN became due; other answers fail it at once. The outcome
 * is an `imdn-sent` or `imdn-failed` event on the delivery's timeline. Idempotent: a
 * notification no longer pending is not sent again.
 */
import type { HeraldConfig } from '../config.js';
import { serializeCpim } from '../codecs/cpim.js';
import { buildImdnCpimWrapper } from '../codecs/imdn-request.js';
import type { StoredMessage } from '../domain/message.js';
import type { StoredNotification } from '../domain/notification.js';
import { heraldError } from '../errors.js';
import { isRetryableStatus, retryAfterMs } from '../egress/sip-deliver.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { DispositionStore } from '../ports/disposition-store.port.js';
import type { JobHandler } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { SipEdge, SipFinalResponse, SipOutgoingMessage } from '../ports/sip-edge.port.js';
import { imdnDateTime } from './build-imdn.js';

export interface ImdnSendDeps {
  readonly config: Pick<HeraldConfig, 'sip'>;
  readonly ledger: Ledger;
  readonly store: DispositionStore;
  readonly edge: SipEdge;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => Date;
}

/**
 * An IMDN waits for an older one of the same delivery only while that one has not been
 * tried yet and is young: it is about to go out, and the sender should see "left as SMS"
 * before "delivered". One stuck in retries does not hold the next hostage.
 */
export const ORDER_WAIT_WINDOW_MS = 30_000;
const ORDER_WAIT_STEP_MS = 250;
const ORDER_WAIT_MAX_STEP_MS = 3_000;

/** Where an IMDN goes: the topmost IMDN-Record-Route entry, else the sender. */
export function imdnDestination(message: Pick<StoredMessage, 'imdnRoute' | 'senderUri'>): string {
  return message.imdnRoute[0] ?? message.senderUri;
}

/** The SIP MESSAGE carrying a notification (see the module comment). */
export function imdnRequest(config: Pick<HeraldConfig, 'sip'>, message: StoredMessage, notification: StoredNotification): SipOutgoingMessage {
  const { identity, outboundUsername, outboundPassword } = config.sip;
  const wrapper = buildImdnCpimWrapper({
    messageId: notification.imdnMessageId,
    dateTime: imdnDateTime(notification.createdAt),
    from: { uri: identity },
    to: { uri: message.senderUri },
    route: message.imdnRoute,
  });
  return {
    requestUri: imdnDestination(message),
    from: { uri: identity },
    to: { uri: message.senderUri },
    contentType: 'message/cpim',
    body: serializeCpim({ ...wrapper, body: Buffer.from(notification.payload, 'utf8') }),
    credentials:
      outboundUsername !== undefined && outboundPassword !== undefined ? { username: outboundUsername, password: outboundPassword } : undefined,
  };
}

/** The `imdn-send` handler (see the module comment). */
export function createImdnSendHandler(deps: ImdnSendDeps): JobHandler<'imdn-send'> {
  const { config, ledger, store, edge, metrics } = deps;
  const now = deps.now ?? (() => new Date());

  async function outcome(n: StoredNotification, type: 'imdn-sent' | 'imdn-failed', cause: string, detail: Record<string, unknown>): Promise<void> {
    await ledger.appendEvent({ messageId: n.messageId, deliveryId: n.deliveryId, type, cause, detail: { kind: n.kind, status: n.status, notificationId: n.id, ...detail } });
    metrics.imdnSent.inc({ outcome: type === 'imdn-sent' ? 'sent' : 'failed' });
  }

  async function waitForEarlier(n: StoredNotification, attempt: number): Promise<void> {
    const earlier = await store.firstPendingBefore(n);
    if (earlier === undefined || earlier.attempts > 0 || now().getTime() - earlier.createdAt.getTime() > ORDER_WAIT_WINDOW_MS) return;
    throw heraldError('GW_ERR_IMDN_WAITING', `${earlier.kind}/${earlier.status} ${earlier.id} goes first`, {
      meta: { retryAfterMs: Math.min(ORDER_WAIT_STEP_MS * attempt, ORDER_WAIT_MAX_STEP_MS) },
    });
  }

  return async ({ notificationId }, context) => {
    const n = await store.getNotification(notificationId);
    // Gone (retention, or its message deleted) or already finished by another run.
    if (n === undefined || n.state !== 'pending') return;
    const message = await ledger.getMessage(n.messageId);
    if (message === undefined) return;
    const log = deps.log.child({ msgId: n.messageId, deliveryId: n.deliveryId, notificationId, jobId: context.jobId });
    await waitForEarlier(n, context.attempt);

    const request = imdnRequest(config, message, n);
    let response: SipFinalResponse;
    try {
      response = await edge.send(request);
    } catch (err) {
      // A transport failure (e.g. TCP refused) is as temporary as a 408.
      const reason = err instanceof Error ? err.message : String(err);
      response = { status: 503, reason: `transport: ${reason}`, headers: {} };
    }
    const answer = `${response.status} ${response.reason}`;
    await store.recordAttempt(n.id, response.status < 300 ? undefined : answer);
    log.info({ status: response.status, attempt: context.attempt, to: request.requestUri, imdn: `${n.kind}/${n.status}` }, 'IMDN answered');

    if (response.status >= 200 && response.status < 300) {
      if (await store.finish(n.id, 'sent', now())) {
        await outcome(n, 'imdn-sent', `sip:${response.status}`, { sipStatus: response.status, to: request.requestUri, attempts: n.attempts + 1 });
      }
      return;
    }
    const givenUp = now().getTime() - n.createdAt.getTime() >= config.sip.retryGiveUpMs;
    if (!isRetryableStatus(response.status) || givenUp) {
      const reason = givenUp && isRetryableStatus(response.status) ? `gave up after retries: ${answer}` : answer;
      if (await store.finish(n.id, 'failed', now(), reason)) {
        log.warn({ status: response.status, reason }, 'IMDN failed');
        await outcome(n, 'imdn-failed', givenUp ? 'imdn-give-up' : `sip:${response.status}`, { sipStatus: response.status, reason, to: request.requestUri });
      }
      return;
    }
    throw heraldError('GW_ERR_SIP_SEND_FAILED', answer, { meta: { status: response.status, retryAfterMs: retryAfterMs(response) } });
  };
}
