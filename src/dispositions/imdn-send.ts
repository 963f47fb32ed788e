/**
 * The `imdn-send` job: sends one IMDN as a SIP MESSAGE and records how it went.
 *
 * The IMDN travels in CPIM (RFC 5438 §7.1.1: a fresh imdn.Message-ID, Content-Type
 * message/imdn+xml, Content-Disposition: notification) to the topmost IMDN-Record-Route
 * entry the sender's IM carried (copied into IMDN-Route, RFC 5438 §9.3), else to the
 * sender (the CPIM From, else the SIP From: message.senderUri). It speaks as the recipient
 * it reports on (SIP and CPIM From: the URI the sender addressed; see imdnSpeakerUri), as an
 * OMA CPM interworking function does, with Herald's own identity (sip.identity) in `Sender`;
 * it answers its outbound proxy's digest challenge (REQ-DISNOT-8).
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
import { GATEWAY_IDENTITY_HEADER } from '../egress/sender-uri.js';
import { lazyChild, type Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { DispositionStore, NotificationSendFacts } from '../ports/disposition-store.port.js';
import type { JobContext, JobHandler } from '../ports/job-queue.port.js';
import type { SipEdge, SipFinalResponse, SipOutgoingMessage } from '../ports/sip-edge.port.js';
import { imdnDateTime, imdnSpeakerUri } from './build-imdn.js';
import { crashPoint } from '../crash-points.js';

export interface ImdnSendDeps {
  readonly config: Pick<HeraldConfig, 'sip'>;
  readonly store: DispositionStore;
  readonly edge: SipEdge;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => Date;
  /**
   * Told of each outcome event after it committed (the archive marks `imdn-sent`). The
   * store writes the event with the notification's new state in one statement, so a
   * decorated ledger's appendEvent never sees it. Must not throw.
   */
  readonly afterEvent?: ((event: { readonly messageId: string; readonly type: string }) => Promise<void>) | undefined;
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
  const speaker = imdnSpeakerUri(notification.payload) ?? identity;
  const wrapper = buildImdnCpimWrapper({
    messageId: notification.imdnMessageId,
    dateTime: imdnDateTime(notification.createdAt),
    from: { uri: speaker },
    to: { uri: message.senderUri },
    route: message.imdnRoute,
  });
  return {
    requestUri: imdnDestination(message),
    from: { uri: speaker },
    to: { uri: message.senderUri },
    // From: the author (the recipient); Sender: the agent that sent it (see sender-uri.ts).
    headers: { [GATEWAY_IDENTITY_HEADER]: `<${identity}>` },
    contentType: 'message/cpim',
    body: serializeCpim({ ...wrapper, body: Buffer.from(notification.payload, 'utf8') }),
    credentials:
      outboundUsername !== undefined && outboundPassword !== undefined ? { username: outboundUsername, password: outboundPassword } : undefined,
  };
}

/** How one IMDN goes out: from a read of its facts (the queue's job), or from facts the caller has. */
export interface ImdnSend {
  /** The `imdn-send` job: reads the notification's facts, then {@link sendFrom}. */
  readonly handler: JobHandler<'imdn-send'>;
  /**
   * One attempt from facts the caller holds (a decision just recorded, with its message):
   * no read. Pending is assumed; a notification another run finished meanwhile is not
   * finished twice (the outcome write says so), though its IMDN may go again.
   */
  readonly sendFrom: (facts: NotificationSendFacts, context: JobContext) => Promise<void>;
}

/** The `imdn-send` handler (see the module comment). */
export function createImdnSendHandler(deps: ImdnSendDeps): JobHandler<'imdn-send'> {
  return createImdnSend(deps).handler;
}

/** See {@link ImdnSend}. */
export function createImdnSend(deps: ImdnSendDeps): ImdnSend {
  const { config, store, edge, metrics } = deps;
  const now = deps.now ?? (() => new Date());

  function waitForEarlier(earlier: NotificationSendFacts['earlierPending'], attempt: number): void {
    if (earlier === undefined || earlier.attempts > 0 || now().getTime() - earlier.createdAt.getTime() > ORDER_WAIT_WINDOW_MS) return;
    throw heraldError('GW_ERR_IMDN_WAITING', `${earlier.kind}/${earlier.status} ${earlier.id} goes first`, {
      meta: { retryAfterMs: Math.min(ORDER_WAIT_STEP_MS * attempt, ORDER_WAIT_MAX_STEP_MS) },
    });
  }

  /** The outcome event's facts, as the delivery's timeline shows them. */
  function outcomeEvent(n: StoredNotification, type: 'imdn-sent' | 'imdn-failed', cause: string, detail: Record<string, unknown>): { type: string; cause: string; detail: Record<string, unknown> } {
    return { type, cause, detail: { kind: n.kind, status: n.status, notificationId: n.id, ...detail } };
  }

  const handler: JobHandler<'imdn-send'> = async ({ notificationId }, context) => {
    // The notification, its message and the order check in one read; the attempt, the
    // outcome and its event in one write: two round trips per IMDN (npm run bench).
    const facts = await store.readForSend(notificationId);
    // Gone (retention, or its message deleted) or already finished by another run.
    if (facts === undefined || facts.notification.state !== 'pending') return;
    await sendFrom(facts, context);
  };

  async function sendFrom(facts: NotificationSendFacts, context: JobContext): Promise<void> {
    const { notification: n, message } = facts;
    const log = lazyChild(deps.log, { msgId: n.messageId, deliveryId: n.deliveryId, notificationId: n.id, jobId: context.jobId });
    waitForEarlier(facts.earlierPending, context.attempt);

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
    // debug, not info: one line per IMDN at carrier rates is measurable CPU (npm run bench);
    // failures stay at warn below.
    log.debug({ status: response.status, attempt: context.attempt, to: request.requestUri, imdn: `${n.kind}/${n.status}` }, 'IMDN answered');

    if (response.status >= 200 && response.status < 300) {
      crashPoint('imdn-before-sent-row');
      const event = outcomeEvent(n, 'imdn-sent', `sip:${response.status}`, { sipStatus: response.status, to: request.requestUri, attempts: n.attempts + 1 });
      if (await store.recordSendOutcome(n.id, { finish: { state: 'sent', at: now(), event } })) {
        metrics.imdnSent.inc({ outcome: 'sent' });
        await deps.afterEvent?.({ messageId: n.messageId, type: event.type });
      }
      return;
    }
    const givenUp = now().getTime() - n.createdAt.getTime() >= config.sip.retryGiveUpMs;
    if (!isRetryableStatus(response.status) || givenUp) {
      const reason = givenUp && isRetryableStatus(response.status) ? `gave up after retries: ${answer}` : answer;
      const event = outcomeEvent(n, 'imdn-failed', givenUp ? 'imdn-give-up' : `sip:${response.status}`, { sipStatus: response.status, reason, to: request.requestUri });
      if (await store.recordSendOutcome(n.id, { attemptError: answer, finish: { state: 'failed', at: now(), error: reason, event } })) {
        log.warn({ status: response.status, reason }, 'IMDN failed');
        metrics.imdnSent.inc({ outcome: 'failed' });
        await deps.afterEvent?.({ messageId: n.messageId, type: event.type });
      }
      return;
    }
    await store.recordSendOutcome(n.id, { attemptError: answer });
    log.info({ status: response.status, attempt: context.attempt, to: request.requestUri, imdn: `${n.kind}/${n.status}` }, 'IMDN not accepted yet; retried');
    throw heraldError('GW_ERR_SIP_SEND_FAILED', answer, { meta: { status: response.status, retryAfterMs: retryAfterMs(response) } });
  }

  return { handler, sendFrom };
}
