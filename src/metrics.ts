/**
 * Prometheus metrics. One registry per gateway (tests may run several in one process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { droppedLogLines } from './logger.js';

export class Metrics {
  readonly registry = new Registry();

  readonly sipRequests = new Counter({
    name: 'herald_sip_requests_total',
    help: 'SIP requests received, by method and final status.',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });

  readonly messagesAccepted = new Counter({
    name: 'herald_messages_accepted_total',
    help: 'Messages accepted (persisted and queued), by direction and channel.',
    labelNames: ['direction', 'channel'] as const,
    registers: [this.registry],
  });

  readonly deliveriesFinal = new Counter({
    name: 'herald_deliveries_final_total',
    help: 'Deliveries that reached a final state, by channel and state.',
    labelNames: ['channel', 'state'] as const,
    registers: [this.registry],
  });

  readonly imdnRoutesIgnored = new Counter({
    name: 'herald_imdn_routes_ignored_total',
    help: 'imdn.IMDN-Record-Route values not followed because they lead outside imdn.routeAllow and the sender\'s domain.',
    registers: [this.registry],
  });

  readonly isComposingDropped = new Counter({
    name: 'herald_iscomposing_dropped_total',
    help: 'isComposing indicators answered and dropped (never relayed to SMS or email).',
    registers: [this.registry],
  });

  readonly sipDropped = new Counter({
    name: 'herald_sip_dropped_total',
    help: 'SIP inputs an edge dropped without answering (limits, strangers, unanswerable, internal errors), by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly sipSent = new Counter({
    name: 'herald_sip_sent_total',
    help: 'MESSAGEs Herald sent, by purpose and outcome (final status class).',
    labelNames: ['purpose', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly ingressSeconds = new Histogram({
    name: 'herald_ingress_seconds',
    help: 'Time from a MESSAGE arriving to its final response being handed to the edge.',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly ledgerFlushSize = new Histogram({
    name: 'herald_ledger_flush_writes',
    help: 'Ops carried by one group commit of the ledger writer, by statement (herald_transitions, herald_record_messages, …).',
    labelNames: ['statement'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly queueBacklog = new Gauge({
    name: 'herald_queue_backlog',
    help: 'Jobs waiting, delayed or active across all queues (sampled).',
    registers: [this.registry],
  });

  readonly smsSubmits = new Counter({
    name: 'herald_sms_submits_total',
    help: 'SMS parts offered to an SMSC, by connection and outcome (accepted, throttled, rejected, failed).',
    labelNames: ['connection', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly smsReceipts = new Counter({
    name: 'herald_sms_receipts_total',
    help: 'SMPP delivery receipts, by outcome (matched, held, late-matched, expired, duplicate, malformed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly smsMo = new Counter({
    name: 'herald_sms_mo_total',
    help: 'Mobile-originated SMS parts and messages, by outcome (part-stored, delivered, incomplete, unknown-destination, malformed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly receiptLatencySeconds = new Histogram({
    name: 'herald_receipt_latency_seconds',
    help: 'Time from submitting a delivery to its final receipt (SMPP DELIVRD/UNDELIV, DSN, MDN), by channel.',
    labelNames: ['channel'] as const,
    // Receipts take seconds on a healthy SMSC but hours when a handset is off; the top
    // buckets keep those visible instead of folding them into +Inf.
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'herald_queue_depth',
    help: 'Jobs per queue and state (waiting, active, delayed, prioritized, failed), sampled every few seconds.',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly smppBindState = new Gauge({
    name: 'herald_smpp_bind_state',
    help: 'SMPP bind state by connection and bind: 1 bound, 0 anything else (connecting, backoff, closed, …).',
    labelNames: ['connection', 'bind'] as const,
    registers: [this.registry],
  });

  readonly imdnSent = new Counter({
    name: 'herald_imdn_sent_total',
    help: 'IMDN notifications (delivered, displayed, failed) Herald sent to the sender, by outcome (sent, failed, dropped).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly emailSent = new Counter({
    name: 'herald_email_sent_total',
    help: 'Email deliveries offered to the SMTP relay, by outcome (accepted, rejected, deferred, unavailable).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly emailInbound = new Counter({
    name: 'herald_email_inbound_total',
    help: 'Mail read from the watched IMAP mailboxes, by kind (dsn, mdn, bounce, reply, other) and outcome (recorded, duplicate, late, unmatched, unclassified, relayed, auto-reply, unknown-token, no-token, empty, malformed).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly archiveAppends = new Counter({
    name: 'herald_archive_appends_total',
    help: 'Mails (messages and disposition reports) offered to the IMAP archive, by outcome (appended, existing, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly archiveBacklog = new Gauge({
    name: 'herald_archive_backlog',
    help: 'Messages with something not yet in the IMAP archive (sampled).',
    registers: [this.registry],
  });

  readonly archiveOldestSeconds = new Gauge({
    name: 'herald_archive_oldest_seconds',
    help: 'Age of the oldest change not yet in the IMAP archive, in seconds (0 when none; sampled).',
    registers: [this.registry],
  });

  readonly logLinesDropped = new Counter({
    name: 'herald_log_lines_dropped_total',
    help: 'Log lines dropped because stdout did not take them and the log buffer (logBufferBytes) was full.',
    registers: [this.registry],
    // Read at scrape time from the logger, which exists before any registry and counts
    // for the whole process (stdout is shared by every gateway in it).
    collect() {
      this.reset();
      this.inc(droppedLogLines());
    },
  });

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'herald_' });
  }
}
