/**
 * The `sms-submit` job: plans a delivery's text into SMS parts and submits each part not
 * yet acknowledged, recording every SMSC message id as its submit_sm_resp arrives.
 *
 * Idempotent (BullMQ is at-least-once): a final delivery is left alone; a part that has a
 * segment row (an SMSC id) is never submitted again, so a retry after a crash, a lost bind
 * or a throttle only sends what is missing. The one duplicate left is the ambiguous case:
 * a part the SMSC accepted whose resp never reached us (bind lost or resp timed out after
 * the submit left), or whose id could not be stored; that part is sent again. It is
 * counted (herald_sms_submits_total{outcome="failed"|"timeout"}) and documented.
 */
import type { HeraldConfig } from '../config.js';
import { planSms, type SmsPart, type SmsPlan } from '../codecs/sms-segments.js';
import { isFinal } from '../domain/delivery-state.js';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import { heraldError, isHeraldError, toHeraldError, type HeraldError } from '../errors.js';
import { lazyChild, type Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { JobHandler } from '../ports/job-queue.port.js';
import type { DeliveryWithMessage, Ledger } from '../ports/ledger.port.js';
import type { SmsAddress, SmsGateway } from '../ports/sms-gateway.port.js';
import { advanceDelivery } from '../deliveries/advance-delivery.js';
import { correlationId } from './message-ids.js';
import type { ReceiptProcessor } from './receipt-processor.js';
import { msisdnOfTarget, smsAddressOf } from './sms-address.js';
import { planOptionsFor, routeSms, type SmsRoute } from './sms-route.js';
import { smsTextFor } from './sms-text.js';
import type { MediaLinkStore } from '../ports/media-link-store.port.js';
import { crashPoint } from '../crash-points.js';

export interface SmsSubmitDeps {
  readonly config: HeraldConfig;
  readonly ledger: Ledger;
  readonly gateway: SmsGateway;
  readonly receipts: ReceiptProcessor;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Links for non-text content (media.linkMode). */
  readonly mediaLinks?: MediaLinkStore | undefined;
  /** Base URL of media links (see sms-text.ts). */
  readonly mediaBaseUrl?: (() => string) | undefined;
}

/** A stable concatenation reference per delivery: a retry re-plans the same UDH. */
function referenceOf(deliveryId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < deliveryId.length; i++) hash = Math.imul(hash ^ deliveryId.charCodeAt(i), 0x01000193) >>> 0;
  return hash & 0xffff;
}

/** The outcome label of a failed part, for the submits counter. */
function outcomeOf(err: HeraldError): string {
  switch (err.code) {
    case 'GW_ERR_SMPP_THROTTLED':
      return 'throttled';
    case 'GW_ERR_SMPP_SUBMIT_REJECTED':
      return 'rejected';
    case 'GW_ERR_SMPP_SUBMIT_TIMEOUT':
      return 'timeout';
    case 'GW_ERR_SMPP_UNAVAILABLE':
      return 'unavailable';
    default:
      return 'failed';
  }
}

/** Which error a job run ends with when several parts failed: refusals first, then throttles. */
function pickError(errors: readonly HeraldError[]): HeraldError | undefined {
  return (
    errors.find((err) => err.permanent) ??
    errors.find((err) => err.code === 'GW_ERR_SMPP_THROTTLED') ??
    errors[0]
  );
}

/** The `sms-submit` handler (see the module comment). */
export function createSmsSubmitHandler(deps: SmsSubmitDeps): JobHandler<'sms-submit'> {
  const { config, ledger, gateway, receipts, metrics } = deps;
  const smpp = config.smpp;

  /** @param senderMsisdn the sender's number in the directory, read with the delivery. */
  function sourceFor(senderMsisdn: string | undefined, route: SmsRoute): SmsAddress {
    if (senderMsisdn !== undefined) return smsAddressOf(senderMsisdn);
    const configured = route.connection.sourceAddress;
    if (configured !== undefined) return configured;
    // Nothing to say who sent it: let the SMSC apply its default for this account.
    return { address: '', ton: 0, npi: 0 };
  }

  async function refuse(delivery: StoredDelivery, err: HeraldError, log: Logger): Promise<void> {
    const to = err.code === 'GW_ERR_SMPP_SUBMIT_REJECTED' ? 'rejected' : 'failed';
    const status = typeof err.meta.commandStatus === 'number' ? `0x${err.meta.commandStatus.toString(16).padStart(8, '0')}` : undefined;
    const moved = await advanceDelivery(ledger, delivery.id, to, {
      cause: status === undefined ? err.code : `smpp:${status}`,
      errorCode: status === undefined ? err.code : `smpp-status:${status}`,
      errorText: err.detail,
      direct: true,
      detail: { ...err.meta },
    });
    if (moved !== undefined) metrics.deliveriesFinal.inc({ channel: 'sms', state: to });
    log.error({ code: err.code, detail: err.detail, state: to }, 'SMS delivery refused');
  }

  async function submitPart(delivery: StoredDelivery, route: SmsRoute, source: SmsAddress, destination: SmsAddress, part: SmsPart, log: Logger): Promise<void> {
    const connectionId = route.connection.id;
    const result = await gateway.submit({
      connectionId,
      source,
      destination,
      part,
      registeredDelivery: route.connection.registeredDelivery,
      deliveryId: delivery.id,
    });
    metrics.smsSubmits.inc({ connection: connectionId, outcome: 'accepted' });
    crashPoint('submitted-before-part-row');
    const smscMessageId = correlationId(smpp, connectionId, 'resp', result.messageId);
    // Stored before the delivery is marked submitted: a retry sees this part as done.
    const stored = ledger.correlations.insertSegment({ deliveryId: delivery.id, seq: part.seq, total: part.total, connectionId, smscMessageId });
    receipts.expectSegment(connectionId, smscMessageId, stored);
    await stored;
    log.debug({ seq: part.seq, total: part.total, smscMessageId, bindId: result.bindId }, 'part accepted by the SMSC');
    // A receipt may have beaten the resp (on any bind or node): match it now.
    await receipts.matchHeld(connectionId, smscMessageId);
  }

  /** The delivery, its message and the sender's directory number in one read. */
  async function read(deliveryId: string): Promise<DeliveryWithMessage> {
    const found = await ledger.getDeliveryWithMessage(deliveryId);
    if (found === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `delivery ${deliveryId}`);
    return found;
  }

  const handle: JobHandler<'sms-submit'> = async ({ deliveryId }, context) => {
    // The first run on the node that recorded the message starts from what ingress wrote
    // (each read is CPU on both sides, npm run bench); a retry, or another node, reads.
    const recorded = context.attempt === 1 ? ledger.takeRecorded(deliveryId) : undefined;
    await submit(recorded ?? (await read(deliveryId)), recorded !== undefined, context);
  };

  async function submit(found: DeliveryWithMessage, remembered: boolean, context: Parameters<JobHandler<'sms-submit'>>[1]): Promise<void> {
    const { delivery, message } = found;
    const deliveryId = delivery.id;
    if (isFinal(delivery.state) || delivery.state === 'submitted' || delivery.state === 'enroute') return;
    const log = lazyChild(deps.log, { msgId: message.id, deliveryId, jobId: context.jobId });

    let route: SmsRoute | undefined;
    let plan: SmsPlan;
    try {
      const msisdn = msisdnOfTarget(delivery.targetUri);
      route = routeSms(msisdn, smpp);
      if (route === undefined) {
        log.warn({ attempt: context.attempt, retryInMs: smpp.noConnectionRetryMs }, 'SMS delivery waits: no SMPP connection configured (smpp.connections)');
        throw heraldError('GW_ERR_SMPP_UNAVAILABLE', 'no SMPP connection configured', { meta: { retryAfterMs: smpp.noConnectionRetryMs } });
      }
      plan = planSms(await smsTextFor(message, delivery, deps), planOptionsFor(route, referenceOf(deliveryId)));
    } catch (err) {
      // Too long, unroutable, unencodable: no retry changes that.
      if (isHeraldError(err) && err.permanent) {
        await refuse(delivery, err, log);
        return;
      }
      throw err;
    }

    const queued = await advanceDelivery(ledger, deliveryId, 'queued', { cause: 'worker' }, delivery);
    // Remembered facts said `accepted`, and the delivery has moved since (a sweep, another
    // run): what it is now decides, as after a read.
    if (queued === undefined && remembered) {
      await submit(await read(deliveryId), false, context);
      return;
    }
    // Parts are stored only after the delivery left `accepted`: when this run moved it out
    // of `accepted`, no run has stored a part yet, so the first run skips the look-up.
    const first = delivery.state === 'accepted' && queued !== undefined;
    const stored = first ? [] : await ledger.correlations.listSegments(deliveryId);
    const done = new Set(stored.filter((s) => s.total === plan.parts.length).map((s) => s.seq));
    const pending = plan.parts.filter((part) => !done.has(part.seq));
    const source = sourceFor(found.senderMsisdn, route);
    const destination = smsAddressOf(msisdnOfTarget(delivery.targetUri));
    const connectionId = route.connection.id;
    const sendRoute = route;

    const results = await Promise.allSettled(pending.map((part) => submitPart(delivery, sendRoute, source, destination, part, log)));
    const errors = results.flatMap((result) => (result.status === 'rejected' ? [toHeraldError(result.reason)] : []));
    for (const err of errors) {
      if (err.code.startsWith('GW_ERR_SMPP_')) metrics.smsSubmits.inc({ connection: connectionId, outcome: outcomeOf(err) });
    }
    const failure = pickError(errors);
    if (failure !== undefined) {
      if (failure.permanent && failure.code === 'GW_ERR_SMPP_SUBMIT_REJECTED') {
        await refuse(delivery, failure, log);
        return;
      }
      // debug: the worker logs the failed run once, at the level its retry class calls for
      // (queues/failure-log.ts); a warning here per delivery and try drowned an SMSC outage's log.
      log.debug(
        { code: failure.code, detail: failure.detail, failedParts: errors.length, parts: plan.parts.length, attempt: context.attempt },
        'SMS parts not accepted yet; the job retries the missing ones',
      );
      throw failure;
    }
    await advanceDelivery(
      ledger,
      deliveryId,
      'submitted',
      { cause: 'smpp:submit_sm_resp', detail: { connectionId, parts: plan.parts.length, encoding: plan.encoding, segmentation: plan.segmentation } },
      // A receipt may have moved it meanwhile; a stale copy only costs one retry.
      queued ?? (delivery.state === 'queued' ? delivery : undefined),
    );
    // debug, not info: one line per message at carrier rates is measurable CPU (npm run bench);
    // failures and refusals above stay at warn/error.
    log.debug({ connectionId, parts: plan.parts.length, encoding: plan.encoding, resent: done.size > 0 }, 'SMS submitted');
  }

  return handle;
}
