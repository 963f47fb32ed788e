/**
 * Wires Herald together: the only core module that imports adapters and queues.
 *
 * Start order follows what depends on what: ledger (the truth), Redis and the queues,
 * workers, then the front doors (SIP, HTTP). Stop is the reverse: close the front doors,
 * drain the workers within the deadline, then close connections.
 */
import type { FastifyInstance } from 'fastify';
import { createSipEdge } from '../adapters/sip/index.js';
import { createMsrpEndpoint } from '../adapters/sip/msrp/index.js';
import { createImapArchive, createImapWatchers } from '../adapters/imap/index.js';
import { createSmppGateway } from '../adapters/smpp/index.js';
import { createSmtpTransport } from '../adapters/smtp/index.js';
import { registerBullBoard } from '../queues/bull-board.js';
import { BullmqJobQueue } from '../queues/job-queue.js';
import { resolveRedis } from '../queues/private-redis.js';
import { startQueueDepthSampler } from '../queues/queue-depth.js';
import { createRedis } from '../queues/redis-connection.js';
import { RedisRateLimiter } from '../queues/redis-rate-limiter.js';
import { RedisNonceCounts } from '../queues/redis-nonce-counts.js';
import { JobWorkers } from '../queues/workers.js';
import { createApi, protectedScope, type ApiDeps } from './api/index.js';
import { archiveEventHook, archiveReadiness, archiveSettings, ArchiveTrigger, createArchiveHandler, startArchiveService, withArchive } from './archive/index.js';
import type { HeraldConfig } from './config.js';
import { createSipDeliverHandler } from './egress/sip-deliver.js';
import { createEmailSendHandler, createMailProcessor, emailSettings, imapReadiness, smtpReadiness } from './email/index.js';
import { startAdminSocket } from './api/tokens/admin-socket.js';
import { createHttpServer } from './http/server.js';
import { registerMediaRoute } from './http/media-route.js';
import { mediaBaseUrl } from './media/media-link.js';
import { createImdnSend, DispositionService, IncomingImdnRecorder, InlineImdnSender, sweepDispositions, withDispositions } from './dispositions/index.js';
import { createIngress } from './ingress/ingress.js';
import { requeueStranded } from './ingress/requeue-stranded.js';
import { createLedger } from './ledger/index.js';
import { runPeriodically } from './periodic.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { sipStartFacts } from './sip-start-facts.js';
import { openConfigurationWarnings } from './open-configuration.js';
import type { Ledger } from './ports/ledger.port.js';
import { createSmsChannel, smsReadiness } from './sms/index.js';
import { createSessionService, SESSION_REQUESTS, SessionRegistry, withSessions } from './session/index.js';

export interface Gateway {
  readonly http: FastifyInstance;
  /** Where the HTTP server listens (useful when configured with port 0). */
  readonly httpAddress: string;
  readonly ledger: Ledger;
  readonly metrics: Metrics;
  /** Stops gracefully; resolves when everything is closed or the deadline passed. */
  stop(reason: string): Promise<void>;
}

/** Resolves after `ms`, or with the promise's result if it settles first. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startGateway(config: HeraldConfig, log: Logger): Promise<Gateway> {
  const metrics = new Metrics();
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log.warn({ err }, 'error while closing');
      }
    }
  };

  // Every open door is said once at start, in a line an operator can alert on.
  for (const warning of openConfigurationWarnings(config)) log.warn({ warning: warning.code, setting: warning.setting }, warning.message);

  let shuttingDown = false;
  try {
    const ledger = await createLedger(
      { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, owner: 'herald start' },
      log,
      { onWriterFlush: (statement, size) => metrics.ledgerFlushSize.observe({ statement }, size) },
    );
    cleanups.push(() => ledger.close());
    await ledger.migrate();
    // The embedded ledger has one owner, this process: admin commands come through it.
    if (config.databaseUrl === undefined) cleanups.push(await startAdminSocket(config.dataDir, ledger.admin, log.child({ component: 'admin-socket' })));

    const redis = await resolveRedis(config.redisUrl, config.dataDir, log);
    // First in the list, so stopped last: everything using Redis has closed by then.
    cleanups.unshift(() => redis.stop());
    const redisClient = createRedis(redis.url);
    redisClient.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
    cleanups.push(async () => {
      redisClient.disconnect();
    });

    const jobs = new BullmqJobQueue(redisClient, config.queues.prefix);
    cleanups.push(() => jobs.close());
    cleanups.push(startQueueDepthSampler(jobs, metrics, log));

    // IMDNs: transitions through `tracked` tell the dispositions service; the channels
    // need not know IMDNs exist. The sweep catches what a crash in between left undone.
    // Archive (off without archive.host): a decorator of the same kind marks a message due
    // on hand-off, final states and IMDNs, so again no channel knows the archive exists.
    const archive = archiveSettings(config.archive, config.sip.domain, config.smtp.subjectTemplate);
    const archiveMailboxes = createImapArchive(config.archive, log);
    const archiveTrigger = archiveMailboxes === undefined ? undefined : new ArchiveTrigger({ settings: archive, store: ledger.archive, jobs });
    const archived = <L extends Ledger>(l: L): L => (archiveTrigger === undefined ? l : withArchive(l, archiveTrigger, log));
    // Session mode: MESSAGEs Herald sends go into an open MSRP session when there is one.
    const sessionRegistry = new SessionRegistry();
    const rawSipEdge = createSipEdge(config.sip, log, { dropped: (reason) => metrics.sipDropped.inc({ reason }) }, { sessions: config.session.enabled });
    const sipEdge = config.session.enabled ? withSessions(rawSipEdge, sessionRegistry, config.routing, log) : rawSipEdge;
    const imdnSend = createImdnSend({
      config,
      store: ledger.dispositions,
      edge: sipEdge,
      metrics,
      log,
      afterEvent: archiveTrigger === undefined ? undefined : archiveEventHook(archiveTrigger, log),
    });
    // New IMDNs go out from here at once; the imdn-send queue keeps the retries.
    const inline = new InlineImdnSender({ handler: imdnSend.handler, sendFrom: imdnSend.sendFrom, jobs, maxInFlight: config.imdn.inlineMaxInFlight, log });
    const dispositions = new DispositionService({ config, ledger, store: ledger.dispositions, jobs, log, inline });
    const tracked = archived(withDispositions(ledger, dispositions, log));

    const workers = new JobWorkers(redisClient, log, {
      prefix: config.queues.prefix,
      concurrency: config.queues.concurrency,
      concurrencyOf: { 'sms-submit': config.queues.smsConcurrency },
      stalledIntervalMs: config.queues.stalledIntervalMs,
      requeue: jobs,
    });

    // SMS: long-lived SMPP binds; with none configured, SMS deliveries wait and retry.
    const smsGateway = createSmppGateway(config.smpp, log);
    // Media links name the HTTP server, whose port (http.port 0) is known only once it listens.
    let listeningAt: string | undefined;
    const mediaBase = (): string => mediaBaseUrl(config, listeningAt);
    const sms = createSmsChannel({ config, ledger: tracked, jobs, gateway: smsGateway, metrics, log, mediaLinks: ledger.media, mediaBaseUrl: mediaBase, groups: ledger.groups });
    await smsGateway.start();
    cleanups.push(() => smsGateway.stop());
    sms.start();
    cleanups.push(() => sms.stop());

    // Email: pooled SMTP out, one IMAP watcher per mailbox in (DSNs, MDNs, replies). With
    // nothing configured, email deliveries wait and retry, and nothing is read.
    const email = emailSettings(config.smtp);
    const mailTransport = createSmtpTransport(config.smtp, log);
    cleanups.push(() => mailTransport.close());
    // Not awaited: a relay that is slow to answer must not hold the start up.
    void mailTransport.probe();
    const mailWatchers = createImapWatchers({
      config: config.imap,
      cursors: ledger.email,
      log,
      processor: createMailProcessor({ settings: email, ledger: tracked, jobs, metrics, log, hook: dispositions, groups: config.groups }),
    });

    // Channel workers register their handlers here as the channels land.
    workers.start({
      'sms-submit': sms.submitHandler,
      'sip-deliver': createSipDeliverHandler({ config, ledger: tracked, edge: sipEdge, metrics, log }),
      'imdn-send': imdnSend.handler,
      'email-send': createEmailSendHandler({ settings: email, ledger: tracked, store: ledger.email, transport: mailTransport, metrics, log }),
    });
    cleanups.push(() => workers.close());
    if (archiveMailboxes !== undefined) {
      // Its own workers: archive concurrency is about IMAP batching, not channel throughput.
      const archiveWorkers = new JobWorkers(redisClient, log, { prefix: config.queues.prefix, concurrency: config.archive.concurrency, stalledIntervalMs: config.queues.stalledIntervalMs });
      archiveWorkers.start({ archive: createArchiveHandler({ settings: archive, ledger, store: ledger.archive, mailboxes: archiveMailboxes, sessions: ledger.msrpSessions, metrics, log }) });
      cleanups.push(() => archiveMailboxes.close());
      cleanups.push(() => archiveWorkers.close());
      cleanups.push(startArchiveService({ settings: archive, store: ledger.archive, jobs, metrics, log }));
    }
    mailWatchers.start();
    cleanups.push(() => mailWatchers.stop());

    const incomingImdns = new IncomingImdnRecorder({ ledger: archived(ledger), store: ledger.dispositions });
    const rateLimiter = new RedisRateLimiter(redisClient, config.queues.prefix);
    const nonceCounts = new RedisNonceCounts(redisClient, config.queues.prefix);
    // One nonce key for all nodes: a nonce from one node is good on the next (UDP behind a balancer).
    const digestNonceKey = config.sip.digestRealm === undefined ? undefined : await nonceCounts.sharedKey();
    const ingress = createIngress({ config, ledger: tracked, jobs, metrics, log, incomingImdns, rateLimiter, mediaBaseUrl: mediaBase, nonceCounts, digestNonceKey });
    let msrpAddress: string | undefined;
    let msrpsAddress: string | undefined;
    let sessions: ReturnType<typeof createSessionService> | undefined;
    if (config.session.enabled) {
      const s = config.session;
      const msrp = createMsrpEndpoint({
        host: s.msrpHost,
        port: s.msrpPort,
        publicHost: s.msrpPublicHost,
        maxChunkBytes: s.maxChunkBytes,
        idleTimeoutMs: s.idleTimeoutMs,
        reconnectGraceMs: s.reconnectGraceMs,
        transactionTimeoutMs: s.transactionTimeoutMs,
        bindTimeoutMs: s.bindTimeoutMs,
        maxSessions: s.maxSessions,
        tls: s.tlsCertFile === undefined || s.tlsKeyFile === undefined ? undefined : { port: s.msrpsPort, certFile: s.tlsCertFile, keyFile: s.tlsKeyFile, rejectUnauthorized: s.tlsRejectUnauthorized },
        log,
      });
      await msrp.start();
      cleanups.push(() => msrp.stop());
      const msrpAt = msrp.address();
      msrpAddress = `${msrpAt.host}:${msrpAt.port}`;
      if (msrpAt.tlsPort !== undefined) msrpsAddress = `${msrpAt.host}:${msrpAt.tlsPort}`;
      const inDialog = sipEdge.sendInDialog?.bind(sipEdge);
      sessions = createSessionService({
        config,
        msrp,
        submit: (request) => ingress.submit(request),
        registry: sessionRegistry,
        log,
        sendInDialog: inDialog,
        nonceCounts,
        nonceKey: digestNonceKey,
        records: ledger.msrpSessions,
      });
      await sessions.start();
      // Runs before msrp.stop (cleanups run last first): sessions end as 'shutdown' in the record.
      const stopping = sessions;
      cleanups.push(() => stopping.stop());
    }
    const sessionService = sessions;
    await sipEdge.start((request) =>
      sessionService !== undefined && SESSION_REQUESTS.has(request.method) ? sessionService.handle(request) : ingress.handle(request),
    );
    cleanups.push(() => sipEdge.stop());

    // Sweeps run in the background (a deep backlog must not delay start) and never overlap.
    const strandedSweep = runPeriodically(() => requeueStranded(ledger, jobs, log), Math.max(config.queues.strandedSweepMs, 1000), (err) =>
      log.warn({ err }, 'stranded sweep failed'),
    );
    cleanups.push(() => strandedSweep.stop());
    const imdnSweep = runPeriodically(
      () => sweepDispositions({ config, ledger, store: ledger.dispositions, jobs, service: dispositions, log }),
      Math.max(config.imdn.sweepMs, 1000),
      (err) => log.warn({ err }, 'dispositions sweep failed'),
    );
    cleanups.push(() => imdnSweep.stop());

    const http = createHttpServer({
      log,
      metrics,
      isShuttingDown: () => shuttingDown,
      checks: [
        { name: 'database', check: () => ledger.ping() },
        { name: 'redis', check: () => jobs.ping() },
        { name: 'smpp', check: async () => smsReadiness(smsGateway.status()) },
        { name: 'smtp', check: async () => smtpReadiness(mailTransport.status()) },
        { name: 'imap', check: async () => imapReadiness(mailWatchers.configured, mailWatchers.status()) },
        { name: 'archive', check: () => archiveReadiness(archive, archiveMailboxes === undefined ? undefined : ledger.archive, archiveMailboxes?.status()) },
        {
          name: 'sip',
          check: async () => {
            if (!sipEdge.isReady()) throw new Error('SIP edge not ready');
          },
        },
      ],
    });
    const apiDeps: ApiDeps = { ledger: tracked, admin: ledger.admin, jobs, queues: jobs, settings: config.api, log, sms: smsGateway, ingress };
    await createApi(http, apiDeps);
    // Media links (media.linkMode) are fetched by SMS recipients: no token, outside /api.
    registerMediaRoute(http, { store: ledger.media, log });
    await http.register(protectedScope(apiDeps, 'admin', (scope) => registerBullBoard(scope, jobs)));
    const httpAddress = await http.listen({ host: config.http.host, port: config.http.port });
    listeningAt = httpAddress;
    cleanups.push(() => http.close());

    log.info({ http: httpAddress, edge: config.sip.edge, ...sipStartFacts(config.sip, sipEdge), redis: redis.description, ...(msrpAddress === undefined ? {} : { msrp: msrpAddress }), ...(msrpsAddress === undefined ? {} : { msrps: msrpsAddress }) }, 'herald started');

    let stopping: Promise<void> | undefined;
    return {
      http,
      httpAddress,
      ledger: tracked,
      metrics,
      stop(reason: string): Promise<void> {
        stopping ??= (async () => {
          shuttingDown = true;
          log.info({ reason }, 'herald stopping');
          // Front door first: nothing new is accepted while work drains.
          await sipEdge.stop().catch((err: unknown) => log.warn({ err }, 'SIP edge stop failed'));
          const drained = await within(workers.close(), config.shutdown.deadlineMs);
          if (!drained) log.warn({ deadlineMs: config.shutdown.deadlineMs }, 'shutdown deadline passed; unfinished jobs will be retried');
          await within(closeAll(), 5000);
          log.info({ drained }, 'herald stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    await within(closeAll(), 5000);
    throw err;
  }
}
