/**
 * The `sip-deliver` job: relays a message (an SMS or email reply) to its IM user as a SIP
 * MESSAGE, and records how it went.
 *
 * One attempt per job run. A 2xx ends the delivery `delivered`; 408, 480 and 5xx are
 * retried by the queue (a 503's Retry-After is honoured) until `sip.retryGiveUpMs` after
 * the delivery was created, then it is `failed`; any other final status (4xx, 6xx)
 * fails it at once. Every response is a timeline event.
 */
import type { HeraldConfig } from '../config.js';
import { advanceDelivery } from '../deliveries/advance-delivery.js';
import { isFinal } from '../domain/delivery-state.js';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import { heraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { JobHandler } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { SipEdge, SipFinalResponse, SipOutgoingMessage } from '../ports/sip-edge.port.js';
import { buildMessageBody } from './message-body.js';
import { GATEWAY_IDENTITY_HEADER, senderAsSipUri } from './sender-uri.js';

// Kept importable from here, where it was first defined.
export { senderAsSipUri } from './sender-uri.js';

export interface SipDeliverDeps {
  readonly config: HeraldConfig;
  readonly ledger: Ledger;
  readonly edge: SipEdge;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** Statuses worth trying again later (RFC 3261 §21: the request may succeed elsewhen). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 480 || (status >= 500 && status < 600);
}

/** Retry-After in milliseconds (RFC 3261 §20.33: delta-seconds, maybe with a comment). */
export function retryAfterMs(response: SipFinalResponse): number | undefined {
  const value = response.headers['retry-after']?.[0];
  const seconds = value === undefined ? Number.NaN : parseInt(value, 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function createSipDeliverHandler(deps: SipDeliverDeps): JobHandler<'sip-deliver'> {
  const { config, ledger, edge, metrics } = deps;
  const now = deps.now ?? (() => new Date());

  function outgoing(message: StoredMessage, delivery: StoredDelivery): SipOutgoingMessage {
    const { domain, identity } = config.sip;
    const body = buildMessageBody(message, delivery, domain, config.routing.emailDomains);
    return {
      requestUri: delivery.targetUri,
      // From: the SMS/email user as the IM client knows them; Herald itself in Sender.
      from: { uri: senderAsSipUri(message.senderUri, domain, config.routing.emailDomains), displayName: message.senderDisplayName },
      to: { uri: delivery.targetUri },
      headers: { [GATEWAY_IDENTITY_HEADER]: `<${identity}>` },
      contentType: body.contentType,
      body: body.body,
      credentials:
        config.sip.outboundUsername !== undefined && config.sip.outboundPassword !== undefined
          ? { username: config.sip.outboundUsername, password: config.sip.outboundPassword }
          : undefined,
    };
  }

  async function fail(delivery: StoredDelivery, cause: string, errorCode: string, errorText: string): Promise<void> {
    await ledger.transition({ deliveryId: delivery.id, to: 'failed', cause, errorCode, errorText });
    metrics.deliveriesFinal.inc({ channel: 'sip', state: 'failed' });
  }

  return async ({ deliveryId }, context) => {
    let delivery = await ledger.getDelivery(deliveryId);
    if (delivery === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `delivery ${deliveryId}`);
    if (isFinal(delivery.state)) return;
    const message = await ledger.getMessage(delivery.messageId);
    if (message === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `message ${delivery.messageId}`);
    const log = deps.log.child({ msgId: message.id, deliveryId, jobId: context.jobId });

    if (delivery.state === 'accepted' || delivery.state === 'queued') {
      // Ingress or the stranded sweep may move it to queued at the same moment: advance
      // re-reads on a lost race instead of failing the job.
      delivery = (await advanceDelivery(ledger, deliveryId, 'submitted', { cause: 'sip-send' }, delivery)) ?? delivery;
    }

    let response: SipFinalResponse;
    try {
      response = await edge.send(outgoing(message, delivery));
    } catch (err) {
      // A transport failure (e.g. TCP refused) is as temporary as a 408.
      const reason = err instanceof Error ? err.message : String(err);
      response = { status: 503, reason: `transport: ${reason}`, headers: {} };
    }
    await ledger.appendEvent({
      messageId: message.id,
      deliveryId,
      type: 'sip-response',
      cause: `sip:${response.status}`,
      detail: { status: response.status, reason: response.reason, attempt: context.attempt },
    });
    const outcome = response.status < 300 ? 'delivered' : isRetryableStatus(response.status) ? 'retry' : 'failed';
    metrics.sipSent.inc({ purpose: 'deliver', outcome });
    log.info({ status: response.status, attempt: context.attempt }, 'MESSAGE to IM user answered');

    if (response.status >= 200 && response.status < 300) {
      await ledger.transition({ deliveryId, to: 'delivered', cause: `sip:${response.status}`, farSideAt: now() });
      metrics.deliveriesFinal.inc({ channel: 'sip', state: 'delivered' });
      return;
    }
    const errorText = `${response.status} ${response.reason}`;
    if (!isRetryableStatus(response.status)) {
      await fail(delivery, `sip:${response.status}`, `sip:${response.status}`, errorText);
      return;
    }
    if (now().getTime() - delivery.createdAt.getTime() >= config.sip.retryGiveUpMs) {
      log.warn({ status: response.status }, 'giving up on MESSAGE to IM user');
      await fail(delivery, 'sip-give-up', `sip:${response.status}`, `gave up after retries: ${errorText}`);
      return;
    }
    throw heraldError('GW_ERR_SIP_SEND_FAILED', errorText, {
      meta: { status: response.status, retryAfterMs: retryAfterMs(response) },
    });
  };
}
