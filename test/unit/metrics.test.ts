/** /metrics exposes the series dashboards and alerts are built on. */
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';

async function scrape(metrics: Metrics): Promise<string> {
  const app = createHttpServer({ log: createLogger('silent'), metrics, checks: [], isShuttingDown: () => false });
  try {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.body;
  } finally {
    await app.close();
  }
}

describe('Metrics', () => {
  describe('when nothing has happened yet', () => {
    it.each([
      ['herald_messages_accepted_total', 'counter'],
      ['herald_deliveries_final_total', 'counter'],
      ['herald_receipt_latency_seconds', 'histogram'],
      ['herald_queue_depth', 'gauge'],
      ['herald_smpp_bind_state', 'gauge'],
      ['herald_imdn_sent_total', 'counter'],
      ['herald_log_lines_dropped_total', 'counter'],
    ])('declares %s as a %s', async (name, type) => {
      const body = await scrape(new Metrics({ defaults: false }));
      expect(body).toContain(`# TYPE ${name} ${type}`);
      expect(body).toContain(`# HELP ${name} `);
    });
  });

  describe('when the channels report', () => {
    it('exposes each series with its labels', async () => {
      const metrics = new Metrics({ defaults: false });
      metrics.messagesAccepted.inc({ direction: 'mt', channel: 'sms' });
      metrics.deliveriesFinal.inc({ channel: 'sms', state: 'delivered' });
      metrics.receiptLatencySeconds.observe({ channel: 'sms' }, 4.2);
      metrics.queueDepth.set({ queue: 'sms-submit', state: 'waiting' }, 7);
      metrics.smppBindState.set({ connection: 'smsc-a', bind: 'smsc-a/1' }, 1);
      metrics.imdnSent.inc({ outcome: 'sent' });

      const body = await scrape(metrics);
      expect(body).toContain('herald_messages_accepted_total{direction="mt",channel="sms"} 1');
      expect(body).toContain('herald_deliveries_final_total{channel="sms",state="delivered"} 1');
      expect(body).toContain('herald_receipt_latency_seconds_bucket{le="5",channel="sms"} 1');
      expect(body).toContain('herald_receipt_latency_seconds_bucket{le="2",channel="sms"} 0');
      expect(body).toContain('herald_receipt_latency_seconds_count{channel="sms"} 1');
      expect(body).toContain('herald_queue_depth{queue="sms-submit",state="waiting"} 7');
      expect(body).toContain('herald_smpp_bind_state{connection="smsc-a",bind="smsc-a/1"} 1');
      expect(body).toContain('herald_imdn_sent_total{outcome="sent"} 1');
    });
  });
});
