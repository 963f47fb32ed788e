/**
 * SIP ingress: what happens to a MESSAGE between the edge and the 202.
 *
 * The pipeline is a named list of steps (STYLE rule 9). Each step either fills
 * `ctx.locals` and returns undefined, or returns the final reply. Persist comes before
 * enqueue, and both before the 202: nothing is acknowledged before it is durable.
 */
import { createHash } from 'node:crypto';
import type { HeraldConfig } from '../config.js';
import { newId } from '../domain/ids.js';
import { jobForChannel } from '../domain/jobs.js';
import type { NewDelivery, NewMessage } from '../domain/message.js';
import { heraldError, isHeraldError, toHeraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { SipIncomingRequest, SipReply } from '../ports/sip-edge.port.js';
import { routeRecipient, type Route } from '../routing/route-recipient.js';
import { BacklogMonitor } from './backlog-monitor.js';
import { ACCEPTED_ENCODINGS, ALLOWED_METHODS, capabilityHeaders } from './capabilities.js';
import { inNetworks, parseNetwork, type Network } from './cidr.js';
import { DigestVerifier } from './digest-auth.js';
import type { InboundContent } from './inbound-content.js';
import { decodeBody, parseContent } from './parse-content.js';
import { errorReply, reply } from './sip-reply.js';

export interface IngressDeps {
  readonly config: HeraldConfig;
  readonly ledger: Ledger;
  readonly jobs: JobQueue;
  readonly metrics: Metrics;
  readonly log: Logger;
}

interface Locals {
  body?: Buffer;
  content?: InboundContent;
  route?: Route;
  message?: NewMessage;
  deliveries?: NewDelivery[];
  duplicate?: boolean;
}

interface Context {
  readonly request: SipIncomingRequest;
  readonly log: Logger;
  readonly locals: Locals;
}

type Step = (ctx: Context) => Promise<SipReply | undefined> | SipReply | undefined;

function header(request: SipIncomingRequest, name: string): string | undefined {
  return request.headers[name]?.[0];
}

function headerList(request: SipIncomingRequest, name: string): string[] {
  return (request.headers[name] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export interface Ingress {
  handle(request: SipIncomingRequest): Promise<SipReply>;
}

export function createIngress(deps: IngressDeps): Ingress {
  const { config, ledger, jobs, metrics } = deps;
  const sip = config.sip;
  const networks: Network[] = sip.allowedNetworks.flatMap((cidr) => parseNetwork(cidr) ?? []);
  const digest = sip.digestRealm === undefined ? undefined : new DigestVerifier(sip.digestRealm, sip.digestUsers);
  const backlog = new BacklogMonitor(() => jobs.backlog(), metrics, deps.log);
  const host = sip.domain;
  const capabilities = capabilityHeaders(config);

  const checkPeer: Step = ({ request }) => {
    if (networks.length > 0 && !inNetworks(request.source.address, networks)) {
      return errorReply(heraldError('GW_ERR_SIP_FORBIDDEN', `source ${request.source.address} is not an allowed network`), host);
    }
    if (digest !== undefined) {
      const outcome = digest.verify(request.method, header(request, 'authorization'));
      if (!outcome.ok) return reply(401, 'Unauthorized', { 'WWW-Authenticate': outcome.challenge });
    }
    return undefined;
  };

  const checkOverload: Step = () => {
    if (backlog.current() > config.ingress.backlogLimit) {
      return errorReply(heraldError('GW_ERR_GATEWAY_OVERLOADED', 'queue backlog above its bound'), host, {
        'Retry-After': String(config.ingress.retryAfterSeconds),
      });
    }
    return undefined;
  };

  const checkExtensions: Step = ({ request }) => {
    const unsupported = headerList(request, 'require');
    if (unsupported.length === 0) return undefined;
    return errorReply(heraldError('GW_ERR_SIP_EXTENSION', `Require: ${unsupported.join(', ')}`), host, {
      Unsupported: unsupported.join(', '),
    });
  };

  const decode: Step = ({ request, locals }) => {
    if (request.body.length > sip.maxInflatedBytes) {
      throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `body of ${request.body.length} bytes`, { meta: { maxBytes: sip.maxBodyBytes } });
    }
    const body = decodeBody(request.body, header(request, 'content-encoding'), sip.maxInflatedBytes);
    if (body.length > sip.maxBodyBytes) {
      throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `body of ${body.length} bytes`, { meta: { maxBytes: sip.maxBodyBytes } });
    }
    locals.body = body;
    return undefined;
  };

  const parse: Step = ({ request, locals }) => {
    locals.content = parseContent(locals.body ?? Buffer.alloc(0), header(request, 'content-type'));
    return undefined;
  };

  const answerNonMessages: Step = async ({ locals, log }) => {
    const content = locals.content;
    if (content === undefined) return undefined;
    if (content.kind === 'is-composing') {
      // REQ-COMP-2/13: SMS and email cannot show typing; a 415 that does not list
      // im-iscomposing+xml tells a conforming client (RFC 3994 §6) to stop sending them.
      metrics.isComposingDropped.inc();
      return reply(415, 'Unsupported Media Type', { ...capabilities.accept });
    }
    if (content.kind === 'notification') {
      await recordIncomingImdn(content, log);
      return reply(200, 'OK');
    }
    if (content.kind === 'media') {
      return errorReply(heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', content.mediaType), host, { ...capabilities.accept });
    }
    return undefined;
  };

  const route: Step = ({ request, locals }) => {
    locals.route = routeRecipient(request.requestUri, config.routing);
    return undefined;
  };

  const persist: Step = async ({ request, locals, log }) => {
    const content = locals.content;
    const target = locals.route;
    if (content?.kind !== 'text' || target === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', 'pipeline order');
    const envelope = content.envelope;
    const sender = envelope?.from ?? request.from;
    const dedupeKey =
      envelope?.imdnMessageId !== undefined
        ? `imdn:${digestOf(`${sender.uri}\n${envelope.imdnMessageId}`)}`
        : `sip:${digestOf(`${request.callId}\n${request.cseq}`)}`;
    const message: NewMessage = {
      id: newId(),
      direction: 'mt',
      sourceChannel: 'sip',
      senderUri: sender.uri,
      senderDisplayName: sender.displayName,
      imdnMessageId: envelope?.imdnMessageId,
      imdnRequests: envelope?.imdnRequests ?? [],
      imdnRoute: envelope?.imdnRoute ?? [],
      subject: envelope?.subject,
      contentType: content.mediaType,
      body: Buffer.from(content.text, 'utf8'),
      sentAt: envelope?.dateTime ?? new Date(),
      dedupeKey,
      sipCallId: request.callId,
    };
    const delivery: NewDelivery = {
      id: newId(),
      channel: target.channel,
      originalRecipientUri: envelope?.originalTo ?? envelope?.to[0]?.uri ?? request.to.uri,
      targetUri: target.targetUri,
    };
    const recorded = await ledger.recordMessage(message, [delivery]);
    locals.message = recorded.message;
    locals.deliveries = [...recorded.deliveries];
    locals.duplicate = recorded.duplicate;
    log.info(
      { msgId: recorded.message.id, channel: target.channel, duplicate: recorded.duplicate },
      recorded.duplicate ? 'duplicate MESSAGE: already accepted' : 'MESSAGE accepted',
    );
    return undefined;
  };

  const enqueue: Step = async ({ locals, log }) => {
    const message = locals.message;
    if (message === undefined || locals.duplicate === true) return reply(202, 'Accepted');
    for (const delivery of locals.deliveries ?? []) {
      try {
        await jobs.enqueue(jobForChannel(delivery.channel), { deliveryId: delivery.id }, { jobId: delivery.id });
        await ledger.transition({ deliveryId: delivery.id, to: 'queued', cause: 'ingress' });
        metrics.messagesAccepted.inc({ direction: 'mt', channel: delivery.channel });
      } catch (err) {
        // The delivery is durable in the ledger; the stranded sweep queues it later.
        log.warn({ err, msgId: message.id, deliveryId: delivery.id }, 'enqueue failed; left for the stranded sweep');
      }
    }
    return reply(202, 'Accepted');
  };

  const MESSAGE_PIPELINE: readonly Step[] = [
    checkPeer,
    checkOverload,
    checkExtensions,
    decode,
    parse,
    answerNonMessages,
    route,
    persist,
    enqueue,
  ];

  async function recordIncomingImdn(content: Extract<InboundContent, { kind: 'notification' }>, log: Logger): Promise<void> {
    // Correlating IMDNs with MO messages arrives with the dispositions work; until then the
    // notification is acknowledged and logged, never relayed as text.
    log.info({ imdnMessageId: content.messageId, status: content.status, type: content.notificationType }, 'IMDN received');
  }

  async function handleMessage(request: SipIncomingRequest, log: Logger): Promise<SipReply> {
    const ctx: Context = { request, log, locals: {} };
    try {
      for (const step of MESSAGE_PIPELINE) {
        const final = await step(ctx);
        if (final !== undefined) return final;
      }
      throw heraldError('GW_ERR_GATEWAY_INTERNAL', 'pipeline ended without a reply');
    } catch (err) {
      const error = toHeraldError(err);
      const extra: Record<string, string> = {};
      if (isHeraldError(error, 'GW_ERR_CONTENT_TOO_LARGE') || isHeraldError(error, 'GW_ERR_ENCODING_LIMIT')) {
        const max = typeof error.meta.maxBytes === 'number' ? error.meta.maxBytes : sip.maxBodyBytes;
        Object.assign(extra, capabilities.maxSize(max));
      }
      if (isHeraldError(error, 'GW_ERR_CONTENT_UNSUPPORTED_TYPE')) Object.assign(extra, capabilities.accept);
      if (isHeraldError(error, 'GW_ERR_CONTENT_UNSUPPORTED_ENCODING')) extra['Accept-Encoding'] = ACCEPTED_ENCODINGS;
      if (error.sipStatus >= 500) log.error({ err }, 'MESSAGE failed');
      else log.info({ code: error.code, detail: error.detail }, 'MESSAGE refused');
      const final = errorReply(error, host, extra);
      return error.code === 'GW_ERR_GATEWAY_OVERLOADED' || error.code === 'GW_ERR_DB_UNREACHABLE'
        ? { ...final, headers: { ...final.headers, 'Retry-After': String(config.ingress.retryAfterSeconds) } }
        : final;
    }
  }

  return {
    async handle(request: SipIncomingRequest): Promise<SipReply> {
      const started = process.hrtime.bigint();
      const log = deps.log.child({ callId: request.callId });
      let final: SipReply;
      if (request.method === 'OPTIONS') final = reply(200, 'OK', { ...capabilities.options });
      else if (request.method === 'MESSAGE') final = await handleMessage(request, log);
      else {
        final = errorReply(heraldError('GW_ERR_SIP_METHOD', request.method), host, { Allow: ALLOWED_METHODS });
      }
      metrics.sipRequests.inc({ method: request.method, status: String(final.status) });
      metrics.ingressSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return final;
    },
  };
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}
