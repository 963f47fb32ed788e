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
import { jobForChannel, type JobBatch } from '../domain/jobs.js';
import type { CopyControl, NewDelivery, NewMessage, StoredDelivery } from '../domain/message.js';
import { HeraldError, heraldError, isHeraldError, toHeraldError } from '../errors.js';
import { lazyChild, type Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { IncomingImdnRecorder } from '../dispositions/incoming-imdn.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { SipIncomingRequest, SipReply } from '../ports/sip-edge.port.js';
import { routeRecipient, type Route } from '../routing/route-recipient.js';
import type { ResourceListEntry } from '../codecs/resource-lists.js';
import { BatchJobs } from './batch-jobs.js';
import { RECIPIENT_LIST_OPTION_TAG, parseRecipientListBody } from './recipient-list.js';
import { smsPartsCheck } from '../sms/sms-parts-check.js';
import { smsTextWithList, visibleOthers, type GroupMember } from '../groups/member-line.js';
import { mediaBaseUrl, mediaSmsTextForMeasure } from '../media/media-link.js';
import type { RateLimiter } from '../ports/rate-limiter.port.js';
import { checkSmsDestination, rateKeys } from './abuse-policy.js';

/** Rate limits are per minute. */
const RATE_WINDOW_SECONDS = 60;
import { BacklogMonitor } from './backlog-monitor.js';
import { ACCEPTED_ENCODINGS, ALLOWED_METHODS, capabilityHeaders, type ContentChannel } from './capabilities.js';
import { inNetworks, parseNetwork, type Network } from './cidr.js';
import { DigestVerifier } from './digest-auth.js';
import { checkHeaderBytes } from './header-bytes.js';
import { routePolicy } from './imdn-route-policy.js';
import { MemoryNonceCounts } from './memory-nonce-counts.js';
import type { NonceCountStore } from '../ports/nonce-count-store.port.js';
import { assertedIdentityUri, checkClaims, claimsIdentity, digestIdentityUri, type SenderIdentity } from './sender-identity.js';
import type { InboundContent } from './inbound-content.js';
import { decodeBody, parseContent } from './parse-content.js';
import { errorReply, reply } from './sip-reply.js';
import { crashPoint } from '../crash-points.js';

export interface IngressDeps {
  readonly config: HeraldConfig;
  readonly ledger: Ledger;
  readonly jobs: JobQueue;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Counts MESSAGEs per sender and destination prefix; without it no rate limit applies. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Records IMDNs from IM users on their MO message; without it they are only logged. */
  readonly incomingImdns?: Pick<IncomingImdnRecorder, 'record'> | undefined;
  /** Base URL of media links (media.linkMode), to measure their SMS; default from config. */
  readonly mediaBaseUrl?: (() => string) | undefined;
  /** Digest nonce counts used, shared by all nodes (Redis); default: this process's memory. */
  readonly nonceCounts?: NonceCountStore | undefined;
  /** Key digest nonces are signed with, shared by all nodes; default: random, this process only. */
  readonly digestNonceKey?: Buffer | undefined;
}

/** One addressee: the Request-URI, or an entry of an RFC 5365 recipient list. */
interface Recipient {
  readonly uri: string;
  readonly copyControl?: CopyControl | undefined;
  /** Where it goes, or why it cannot go anywhere (list entries fail on their own). */
  readonly route: Route | HeraldError;
}

interface Locals {
  body?: Buffer;
  contentType?: string | undefined;
  /** Entries of a recipient list, when the MESSAGE had one. */
  listEntries?: readonly ResourceListEntry[];
  content?: InboundContent;
  recipients?: Recipient[];
  message?: NewMessage;
  deliveries?: StoredDelivery[];
  duplicate?: boolean;
  /** The job shared with the other deliveries recorded in the same flush, when there is one. */
  batch?: JobBatch | undefined;
  /** Who authenticated (digest user, asserted identity); unset for peers admitted by network alone. */
  identity?: SenderIdentity;
  /** The sender stored and rate-limited: the identity when there is one, else the claimed From. */
  sender?: { readonly uri: string; readonly displayName?: string | undefined };
  /** The IMDN route to follow: the request's, or none when it leads outside imdn.routeAllow. */
  imdnRoute?: readonly string[];
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

/** What became of a MESSAGE: the final reply, and the stored message or the refusal. */
export interface IngressOutcome {
  readonly reply: SipReply;
  /** Set when the message is stored (also for a re-sent duplicate: the first one's id). */
  readonly messageId?: string | undefined;
  readonly error?: HeraldError | undefined;
}

export interface Ingress {
  handle(request: SipIncomingRequest): Promise<SipReply>;
  /**
   * The same pipeline for a submitter already authenticated elsewhere (the REST API's
   * token): everything but the SIP peer check.
   */
  submit(request: SipIncomingRequest): Promise<IngressOutcome>;
}

export function createIngress(deps: IngressDeps): Ingress {
  const { config, ledger, jobs, metrics } = deps;
  const sip = config.sip;
  const networks: Network[] = sip.allowedNetworks.flatMap((cidr) => parseNetwork(cidr) ?? []);
  const trustedProxies: Network[] = sip.trustedProxyNetworks.flatMap((cidr) => parseNetwork(cidr) ?? []);
  const digest =
    sip.digestRealm === undefined
      ? undefined
      : new DigestVerifier({ realm: sip.digestRealm, users: sip.digestUsers, algorithms: sip.digestAlgorithms, nonceCounts: deps.nonceCounts ?? new MemoryNonceCounts(), key: deps.digestNonceKey });
  const identityDomains = [sip.domain, ...(sip.digestRealm === undefined ? [] : [sip.digestRealm])];
  const imdnRoutes = routePolicy(config.imdn.routeAllow);
  const backlog = new BacklogMonitor(() => jobs.backlog(), metrics, deps.log);
  const batchJobs = new BatchJobs(jobs);
  const host = sip.domain;
  const capabilities = capabilityHeaders(config);

  const checkPeer: Step = async ({ request, locals, log }) => {
    const source = request.source.address;
    const fromTrustedProxy = trustedProxies.length > 0 && inNetworks(source, trustedProxies);
    if (networks.length > 0 && !fromTrustedProxy && !inNetworks(source, networks)) {
      return errorReply(heraldError('GW_ERR_SIP_FORBIDDEN', `source ${source} is not an allowed network`), host);
    }
    // RFC 3325 §5: a trusted proxy authenticated the user and says who it is; from anyone
    // else the header is ignored (it would let a peer pick its identity).
    const asserted = fromTrustedProxy ? assertedIdentityUri(request.headers['p-asserted-identity'] ?? []) : undefined;
    if (asserted !== undefined) {
      locals.identity = { uri: asserted, via: 'asserted-identity', domains: [] };
      return undefined;
    }
    if (digest !== undefined) {
      const outcome = await digest.verify({
        method: request.method,
        requestUri: request.requestUri,
        authorization: header(request, 'authorization'),
        fingerprint: `${request.callId}\n${request.cseq}`,
      });
      if (!outcome.ok) {
        if (outcome.reason !== 'no credentials') log.info({ reason: outcome.reason, source }, 'digest credentials refused');
        return reply(401, 'Unauthorized', challengeHeaders(outcome.challenges, sip.edge));
      }
      locals.identity = { uri: digestIdentityUri(outcome.username, host), via: 'digest', domains: identityDomains };
    }
    return undefined;
  };

  /** Stored headers: NUL, controls and invalid UTF-8 are a 400, never a database error. */
  const checkBytes: Step = ({ request }) => {
    checkHeaderBytes({
      'Request-URI': request.requestUri,
      From: [request.from.uri, request.from.displayName],
      To: [request.to.uri, request.to.displayName],
      'Call-ID': request.callId,
      'P-Asserted-Identity': request.headers['p-asserted-identity'],
    });
    for (const [name, values] of Object.entries(request.headers)) {
      if (values.some((v) => v.includes('\u0000'))) throw heraldError('GW_ERR_SIP_INVALID_BYTES', `NUL byte in ${name}`, { meta: { header: name } });
    }
    return undefined;
  };

  /**
   * The sender is who authenticated: a From or CPIM From naming anyone else is refused.
   * The directory is read only when a claim is not the identity's own URI (it may be the
   * identity's number), so the usual MESSAGE costs no lookup.
   */
  const bindSender: Step = async ({ request, locals, log }) => {
    const envelope = locals.content?.envelope;
    checkHeaderBytes({
      'CPIM From': [envelope?.from?.uri, envelope?.from?.displayName],
      'CPIM To': envelope?.to.flatMap((t) => [t.uri, t.displayName]),
      'CPIM Subject': envelope?.subject,
      'imdn.Message-ID': envelope?.imdnMessageId,
      'imdn.IMDN-Record-Route': envelope?.imdnRoute,
      'imdn.Original-To': envelope?.originalTo,
    });
    const claimed = envelope?.from ?? request.from;
    const identity = locals.identity;
    if (identity === undefined) {
      locals.sender = claimed;
    } else {
      const claims = [request.from.uri, envelope?.from?.uri];
      if (!claims.every((c) => c === undefined || claimsIdentity(c, identity))) {
        const msisdn = (await ledger.directory.byImUri(identity.uri))?.msisdn ?? undefined;
        checkClaims(claims, { ...identity, msisdn });
      }
      locals.sender = { uri: identity.uri, displayName: claimed.displayName };
    }
    const route = envelope?.imdnRoute ?? [];
    if (route.length > 0) {
      // One entry outside the policy voids the whole route: a path with a hole in it is
      // no path, and the IMDN still reaches the sender directly.
      const { dropped } = imdnRoutes.split(route, locals.sender.uri);
      if (dropped.length > 0) {
        metrics.imdnRoutesIgnored.inc();
        log.warn({ route, dropped, sender: locals.sender.uri }, 'imdn.IMDN-Record-Route leads outside imdn.routeAllow; not followed');
      }
      locals.imdnRoute = dropped.length > 0 ? [] : route;
    }
    return undefined;
  };

  const checkOverload: Step = () => {
    // Redis down: nothing could be queued, and BullMQ would hold the commands (and the
    // SIP transaction) until it is back. Refusing lets the sender retry elsewhere or later.
    if (jobs.isConnected?.() === false) {
      return errorReply(heraldError('GW_ERR_REDIS_UNREACHABLE', 'queue store not connected'), host, {
        'Retry-After': String(config.ingress.retryAfterSeconds),
      });
    }
    if (backlog.current() > config.ingress.backlogLimit) {
      return errorReply(heraldError('GW_ERR_GATEWAY_OVERLOADED', 'queue backlog above its bound'), host, {
        'Retry-After': String(config.ingress.retryAfterSeconds),
      });
    }
    return undefined;
  };

  const checkExtensions: Step = ({ request }) => {
    const unsupported = headerList(request, 'require').filter((tag) => tag.toLowerCase() !== RECIPIENT_LIST_OPTION_TAG);
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
    let body = locals.body ?? Buffer.alloc(0);
    let contentType = header(request, 'content-type');
    const isList = headerList(request, 'require').some((tag) => tag.toLowerCase() === RECIPIENT_LIST_OPTION_TAG);
    if (isList) {
      const list = parseRecipientListBody(body, contentType, config.ingress.maxRecipients);
      locals.listEntries = list.entries;
      body = list.messageBody;
      contentType = list.messageContentType;
    }
    locals.content = parseContent(body, contentType);
    return undefined;
  };

  const answerNonMessages: Step = async ({ request, locals, log }) => {
    const content = locals.content;
    if (content === undefined) return undefined;
    if (content.kind === 'is-composing') {
      // REQ-COMP-2/13: SMS and email cannot show typing; a 415 that does not list
      // im-iscomposing+xml tells a conforming client (RFC 3994 §6) to stop sending them.
      metrics.isComposingDropped.inc();
      return reply(415, 'Unsupported Media Type', { ...capabilities.acceptFor(channelOf(request.requestUri)), Warning: capabilities.advert });
    }
    if (content.kind === 'notification') {
      await recordIncomingImdn(content, request, log);
      return reply(200, 'OK');
    }
    // Media goes on: email takes it as an attachment, SMS as a link (media.linkMode) or not
    // at all (checkChannelLimits).
    return undefined;
  };

  /** The channel the Request-URI goes to, for a per-channel Accept; undefined when none. */
  function channelOf(requestUri: string): ContentChannel {
    try {
      return routeRecipient(requestUri, config.routing).channel === 'sms' ? 'sms' : 'email';
    } catch {
      return undefined;
    }
  }

  /** REQ-CONTENT-*: what the recipient's channel can take, refused here rather than later. */
  function checkChannelLimits(target: Route, content: InboundContent | undefined, others: readonly string[]): void {
    if (target.channel === 'email') {
      const bytes = content?.kind === 'text' ? Buffer.byteLength(content.text) : content?.kind === 'media' ? content.body.length : 0;
      if (bytes > config.smtp.maxMessageBytes) {
        throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `${bytes} bytes for email, the limit is ${config.smtp.maxMessageBytes}`, {
          meta: { maxBytes: config.smtp.maxMessageBytes, channel: 'email' },
        });
      }
      return;
    }
    if (target.channel !== 'sms') return;
    checkSmsDestination(target.targetUri.slice('tel:'.length), config.abuse, target.nationalDigits);
    if (content?.kind === 'media' && !config.media.linkMode) {
      throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', `${content.mediaType} to SMS`, { meta: { channel: 'sms' } });
    }
    // Measured as the SMS job will send it: with the group line, and a link for media.
    const text = content?.kind === 'text' ? content.text : content?.kind === 'media' ? mediaSmsTextForMeasure(deps.mediaBaseUrl?.() ?? mediaBaseUrl(config), content.mediaType) : undefined;
    if (text !== undefined) smsPartsCheck(smsTextWithList(text, others, config.groups), target.targetUri, config.smpp);
  }

  /** Per-sender and per-destination-prefix limits, counted across all nodes. */
  const checkRates: Step = async ({ request, locals, log }) => {
    if (deps.rateLimiter === undefined || (locals.content?.kind !== 'text' && locals.content?.kind !== 'media')) return undefined;
    const sender = locals.sender?.uri ?? locals.content.envelope?.from?.uri ?? request.from.uri;
    const smsTargets = (locals.recipients ?? []).flatMap((r) =>
      r.route instanceof HeraldError || r.route.channel !== 'sms' ? [] : [r.route.targetUri.slice('tel:'.length)],
    );
    const keys = rateKeys(sender, smsTargets, config.abuse);
    if (keys.length === 0) return undefined;
    let counts: readonly number[];
    try {
      counts = await deps.rateLimiter.hit(keys.map((k) => k.key), RATE_WINDOW_SECONDS);
    } catch (err) {
      // Failing open: a Redis hiccup must not refuse legitimate traffic; the ledger still
      // takes the message and the queue catches up.
      log.warn({ err }, 'rate limiter unavailable; not limiting');
      return undefined;
    }
    const over = keys.find((key, i) => (counts[i] ?? 0) > key.limit);
    if (over === undefined) return undefined;
    throw heraldError('GW_ERR_ABUSE_RATE_LIMITED', `${over.what}: more than ${over.limit} per minute`, {
      meta: { limit: over.limit, retryAfterSeconds: RATE_WINDOW_SECONDS },
    });
  };

  const route: Step = ({ request, locals }) => {
    if (locals.listEntries === undefined) {
      // A single recipient that no channel takes is the whole request's failure: 404.
      const target = routeRecipient(request.requestUri, config.routing);
      checkChannelLimits(target, locals.content, []);
      locals.recipients = [{ uri: request.requestUri, route: target }];
      return undefined;
    }
    // RFC 5365 §4: duplicates were dropped by the codec; each entry stands on its own, and
    // an unroutable one becomes a failed delivery (with its IMDN), not a failed request.
    // RFC 5364 §4.3: no copyControl means to. An anonymized entry is stored as bcc: it is
    // delivered like the others but never named to them (REQ-GROUP-2), which is all
    // anonymize asks of a gateway that shows no recipient-list-history.
    const members: GroupMember[] = locals.listEntries.map((entry) => ({
      uri: entry.uri,
      copyControl: entry.anonymize ? 'bcc' : (entry.copyControl ?? 'to'),
    }));
    locals.recipients = members.map((member, i) => {
      let target: Route | HeraldError;
      try {
        target = routeRecipient(member.uri, config.routing);
        checkChannelLimits(target, locals.content, visibleOthers(members, i));
      } catch (err) {
        target = toHeraldError(err);
      }
      return { uri: member.uri, copyControl: member.copyControl, route: target };
    });
    return undefined;
  };

  const persist: Step = async ({ request, locals, log }) => {
    const content = locals.content;
    const recipients = locals.recipients;
    if ((content?.kind !== 'text' && content?.kind !== 'media') || recipients === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', 'pipeline order');
    const envelope = content.envelope;
    const sender = locals.sender ?? envelope?.from ?? request.from;
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
      imdnRoute: locals.imdnRoute ?? envelope?.imdnRoute ?? [],
      subject: envelope?.subject,
      contentType: content.mediaType,
      // Media is kept as it came (attached to email, linked from SMS); text as UTF-8.
      body: content.kind === 'text' ? Buffer.from(content.text, 'utf8') : content.body,
      sentAt: envelope?.dateTime ?? new Date(),
      dedupeKey,
      sipCallId: request.callId,
    };
    const single = locals.listEntries === undefined;
    const deliveries: NewDelivery[] = recipients.map((recipient) => {
      const target = recipient.route;
      const originalRecipientUri = single ? (envelope?.originalTo ?? envelope?.to[0]?.uri ?? request.to.uri) : recipient.uri;
      // An unroutable list entry is kept (channel sip, its own URI) only to fail it visibly.
      return target instanceof HeraldError
        ? { id: newId(), channel: 'sip', originalRecipientUri, targetUri: recipient.uri, copyControl: recipient.copyControl }
        : { id: newId(), channel: target.channel, originalRecipientUri, targetUri: target.targetUri, copyControl: recipient.copyControl, inBatchJob: true };
    });
    const recorded = await ledger.recordMessage(message, deliveries);
    crashPoint('accepted-before-202');
    locals.message = recorded.message;
    locals.deliveries = [...recorded.deliveries];
    locals.duplicate = recorded.duplicate;
    locals.batch = recorded.batch;
    const fields = { msgId: recorded.message.id, recipients: deliveries.length, duplicate: recorded.duplicate };
    // One line per accepted MESSAGE is debug: at carrier rates info lines cost the gateway
    // CPU on every message (npm run bench). A re-sent copy is rare and worth an info line.
    if (recorded.duplicate) log.info(fields, 'duplicate MESSAGE: already accepted');
    else log.debug(fields, 'MESSAGE accepted');
    return undefined;
  };

  const enqueue: Step = async ({ locals, log }) => {
    const message = locals.message;
    if (message === undefined || locals.duplicate === true) return reply(202, 'Accepted');
    const unroutable = new Map(
      (locals.recipients ?? []).flatMap((r, i) => (r.route instanceof HeraldError ? [[i, r.route] as const] : [])),
    );
    for (const [index, delivery] of (locals.deliveries ?? []).entries()) {
      const refusal = unroutable.get(index);
      if (refusal !== undefined) {
        await ledger.transition({
          deliveryId: delivery.id,
          to: 'failed',
          cause: 'unroutable',
          errorCode: refusal.code,
          errorText: refusal.detail,
        });
        continue;
      }
      try {
        // Recorded for the flush's shared job: whichever of its messages gets here first
        // enqueues it for all. Otherwise (a message recorded alone) a job of its own.
        if (locals.batch !== undefined && delivery.jobId === locals.batch.jobId) await batchJobs.enqueue(locals.batch);
        else await jobs.enqueue(jobForChannel(delivery.channel), { deliveryId: delivery.id }, { jobId: delivery.id });
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
    checkBytes,
    checkOverload,
    checkExtensions,
    decode,
    parse,
    bindSender,
    answerNonMessages,
    route,
    checkRates,
    persist,
    enqueue,
  ];

  /**
   * An IMDN from an IM user about an MO message Herald relayed: recorded on that
   * message's timeline (dispositions/incoming-imdn.ts). The original is named by the XML
   * `<message-id>`, so liblinphone's IMDNs without imdn.Message-ID work too. Unknown ones
   * are logged and still answered 200; a ledger outage propagates (503, the client retries).
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async function recordIncomingImdn(
    content: Extract<InboundContent, { kind: 'notification' }>,
    request: SipIncomingRequest,
    log: Logger,
  ): Promise<void> {
    const imdn = {
      messageId: content.messageId,
      notificationType: content.notificationType,
      status: content.status,
      datetime: content.datetime,
      imdnMessageId: content.envelope?.imdnMessageId,
      from: content.envelope?.from?.uri ?? request.from.uri,
    };
    if (deps.incomingImdns === undefined) {
      log.info({ imdnMessageId: imdn.messageId, status: imdn.status, type: imdn.notificationType }, 'IMDN received');
      return;
    }
    await deps.incomingImdns.record(imdn, log);
  }

  // The REST API authenticates by token; the SIP peer check does not apply to it.
  const TRUSTED_PIPELINE: readonly Step[] = MESSAGE_PIPELINE.filter((step) => step !== checkPeer);

  async function handleMessage(request: SipIncomingRequest, log: Logger, pipeline = MESSAGE_PIPELINE): Promise<IngressOutcome> {
    const ctx: Context = { request, log, locals: {} };
    try {
      for (const step of pipeline) {
        const final = await step(ctx);
        if (final !== undefined) return { reply: final, messageId: ctx.locals.message?.id };
      }
      throw heraldError('GW_ERR_GATEWAY_INTERNAL', 'pipeline ended without a reply');
    } catch (err) {
      const error = toHeraldError(err);
      const extra: Record<string, string> = {};
      if (isHeraldError(error, 'GW_ERR_CONTENT_TOO_LARGE') || isHeraldError(error, 'GW_ERR_ENCODING_LIMIT')) {
        Object.assign(extra, capabilities.limits(error.meta, sip.maxBodyBytes));
      }
      if (isHeraldError(error, 'GW_ERR_CONTENT_UNSUPPORTED_TYPE')) {
        const channel = error.meta.channel === 'sms' || error.meta.channel === 'email' ? error.meta.channel : channelOf(request.requestUri);
        Object.assign(extra, capabilities.acceptFor(channel), { Warning: capabilities.advert });
      }
      if (isHeraldError(error, 'GW_ERR_CONTENT_UNSUPPORTED_ENCODING')) extra['Accept-Encoding'] = ACCEPTED_ENCODINGS;
      if (error.sipStatus >= 500) log.error({ err }, 'MESSAGE failed');
      else log.info({ code: error.code, detail: error.detail }, 'MESSAGE refused');
      const final = errorReply(error, host, extra);
      if (error.code === 'GW_ERR_ABUSE_RATE_LIMITED') {
        return { error, reply: { ...final, headers: { ...final.headers, 'Retry-After': String(error.meta.retryAfterSeconds ?? RATE_WINDOW_SECONDS) } } };
      }
      return error.code === 'GW_ERR_GATEWAY_OVERLOADED' || error.code === 'GW_ERR_DB_UNREACHABLE' || error.code === 'GW_ERR_DB_BUSY'
        ? { error, reply: { ...final, headers: { ...final.headers, 'Retry-After': String(config.ingress.retryAfterSeconds) } } }
        : { error, reply: final };
    }
  }

  return {
    async handle(request: SipIncomingRequest): Promise<SipReply> {
      const started = process.hrtime.bigint();
      const log = lazyChild(deps.log, { callId: request.callId });
      let final: SipReply;
      if (request.method === 'OPTIONS') final = reply(200, 'OK', { ...capabilities.options });
      else if (request.method === 'MESSAGE') final = (await handleMessage(request, log)).reply;
      else {
        final = errorReply(heraldError('GW_ERR_SIP_METHOD', request.method), host, { Allow: ALLOWED_METHODS });
      }
      metrics.sipRequests.inc({ method: request.method, status: String(final.status) });
      metrics.ingressSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return final;
    },
    async submit(request: SipIncomingRequest): Promise<IngressOutcome> {
      const outcome = await handleMessage(request, lazyChild(deps.log, { callId: request.callId }), TRUSTED_PIPELINE);
      metrics.sipRequests.inc({ method: 'API', status: String(outcome.reply.status) });
      return outcome;
    },
  };
}

/**
 * One WWW-Authenticate header field per challenge (RFC 3261 §20.44 admits one challenge a
 * field; RFC 8760 §2.4 wants one per algorithm). The reply's headers are a map, so the
 * fields after the first are spelled in another letter case: SIP header names are
 * case-insensitive, and the standalone edge writes each key as a line of its own.
 * drachtio-srf folds same-named headers into one comma-joined field, which RFC 3261's
 * grammar does not allow for challenges: through drachtio only the preferred one goes.
 */
function challengeHeaders(challenges: readonly string[], edge: HeraldConfig['sip']['edge']): Record<string, string> {
  const spellings = ['WWW-Authenticate', 'Www-Authenticate', 'www-authenticate', 'WWW-AUTHENTICATE'];
  const offered = edge === 'drachtio' ? challenges.slice(0, 1) : challenges.slice(0, spellings.length);
  return Object.fromEntries(offered.map((c, i) => [spellings[i] ?? 'WWW-Authenticate', c]));
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}
