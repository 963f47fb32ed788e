/**
 * Prometheus metrics. One registry per gateway (tests may run several in one process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  readonly isComposingDropped = new Counter({
    name: 'herald_iscomposing_dropped_total',
    help: 'isComposing indicators answered and dropped (never relayed to SMS or email).',
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

  readonly queueBacklog = new Gauge({
    name: 'herald_queue_backlog',
    help: 'Jobs waiting, delayed or active across all queues (sampled).',
    registers: [this.registry],
  });

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'herald_' });
  }
}
