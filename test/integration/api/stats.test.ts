/**
 * Throughput for the dashboard: the ledger's final counts on both backends, and
 * GET /api/v1/stats/throughput on PostgreSQL with deliveries placed in time.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type LedgerConnectOptions } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import type { AdminStore } from '../../../src/ports/admin-store.port.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';
import { seedMessage } from '../../helpers/messages.js';
import { createTempDataDir } from '../../helpers/pglite.js';
import { createTestDatabase } from '../../helpers/postgres.js';

interface Point {
  at: string;
  delivered: number;
  failed: number;
  expired: number;
  rejected: number;
  cancelled: number;
}

interface ThroughputJson {
  window: string;
  bucketSeconds: number;
  from: string;
  to: string;
  channels: { channel: string; delivered: number; unsuccessful: number; successRate: number | null; points: Point[] }[];
}

describe.each(['postgres', 'pglite'] as const)('DeliveryStats on %s', (backend) => {
  let ledger: Ledger & { readonly admin: AdminStore };
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    let options: LedgerConnectOptions;
    if (backend === 'postgres') {
      const database = await createTestDatabase('stats_ledger');
      cleanup = () => database.drop();
      options = { databaseUrl: database.url, dataDir: '/nonexistent-never-used', poolSize: 2 };
    } else {
      const folder = await createTempDataDir('herald-stats');
      cleanup = () => folder.remove();
      options = { dataDir: folder.dir, poolSize: 1 };
    }
    ledger = await createLedger(options, createLogger('silent'));
    await ledger.migrate();
  });

  afterAll(async () => {
    await ledger?.close();
    await cleanup?.();
  });

  describe('when deliveries finish', () => {
    it('counts each final state per channel in the bucket it finished in, and nothing else', async () => {
      const before = Date.now();
      await seedMessage(ledger, {
        deliveries: [
          { targetUri: 'tel:+15557770001', state: 'delivered' },
          { targetUri: 'tel:+15557770002', state: 'delivered' },
          { targetUri: 'tel:+15557770003', state: 'failed' },
          { channel: 'email', targetUri: 'mailto:x@example.org', state: 'expired' },
          { channel: 'sip', targetUri: 'sip:y@example.com', state: 'submitted' },
          { channel: 'sip', targetUri: 'sip:z@example.com', state: 'cancelled' },
        ],
      });
      const after = Date.now();
      const hour = 3600;
      const counts = await ledger.admin.stats.finalCounts(new Date(before - 7_200_000), new Date(after + 7_200_000), hour);

      const summary = counts.map((c) => `${c.channel} ${c.state} ${c.count}`).sort();
      expect(summary).toEqual(['email expired 1', 'sip cancelled 1', 'sms delivered 2', 'sms failed 1']);
      for (const c of counts) {
        expect(c.at.getTime() % (hour * 1000)).toBe(0);
        expect(c.at.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 3_600_000) * 3_600_000 - 60_000);
        expect(c.at.getTime()).toBeLessThanOrEqual(after);
      }
    });

    it('leaves out deliveries that finished outside the range', async () => {
      const past = await ledger.admin.stats.finalCounts(new Date(Date.now() - 7_200_000), new Date(Date.now() - 3_600_000), 60);
      expect(past).toEqual([]);
    });
  });
});

describe('admin API stats', () => {
  let h: ApiHarness;

  async function setFinishedAt(deliveryId: string, at: Date): Promise<void> {
    const client = new pg.Client({ connectionString: h.databaseUrl });
    await client.connect();
    try {
      await client.query('update deliveries set updated_at = $1 where id = $2', [at, deliveryId]);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    h = await startApiHarness('api_stats');
    const minutesAgo = (n: number): Date => new Date(Date.now() - n * 60_000);
    const seeded = await seedMessage(h.ledger, {
      deliveries: [
        { targetUri: 'tel:+15558880001', state: 'delivered' },
        { targetUri: 'tel:+15558880002', state: 'delivered' },
        { targetUri: 'tel:+15558880003', state: 'failed' },
        { channel: 'email', targetUri: 'mailto:stats@example.org', state: 'rejected' },
        { targetUri: 'tel:+15558880004', state: 'delivered' },
      ],
    });
    const [a, b, c, d, old] = seeded.deliveries;
    if (a === undefined || b === undefined || c === undefined || d === undefined || old === undefined) throw new Error('seed failed');
    await setFinishedAt(a.id, minutesAgo(3));
    await setFinishedAt(b.id, minutesAgo(3));
    await setFinishedAt(c.id, minutesAgo(3));
    await setFinishedAt(d.id, minutesAgo(10));
    // Two hours ago: outside 1h, inside 6h.
    await setFinishedAt(old.id, minutesAgo(120));
  });

  afterAll(async () => {
    await h?.close();
  });

  async function throughput(window: string): Promise<ThroughputJson> {
    const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/stats/throughput?window=${window}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ThroughputJson>();
  }

  describe('when asked for the last hour', () => {
    it('gives one zero-filled point per minute for every channel, with the counts where they finished', async () => {
      const body = await throughput('1h');
      expect(body.bucketSeconds).toBe(60);
      expect(body.channels.map((c) => c.channel)).toEqual(['sms', 'email', 'sip']);
      for (const channel of body.channels) expect(channel.points).toHaveLength(60);

      const sms = body.channels.find((c) => c.channel === 'sms');
      expect(sms).toMatchObject({ delivered: 2, unsuccessful: 1 });
      expect(sms?.successRate).toBeCloseTo(2 / 3);
      const busy = sms?.points.filter((p) => p.delivered + p.failed > 0) ?? [];
      expect(busy).toHaveLength(1);
      expect(busy[0]).toMatchObject({ delivered: 2, failed: 1 });
      const at = new Date(busy[0]?.at ?? 0).getTime();
      expect(Date.now() - at).toBeGreaterThanOrEqual(3 * 60_000);
      expect(Date.now() - at).toBeLessThan(4 * 60_000 + 1000);

      expect(body.channels.find((c) => c.channel === 'email')).toMatchObject({ delivered: 0, unsuccessful: 1, successRate: 0 });
      expect(body.channels.find((c) => c.channel === 'sip')).toMatchObject({ delivered: 0, unsuccessful: 0, successRate: null });
    });
  });

  describe('when asked for a longer window', () => {
    it('uses wider buckets and reaches further back', async () => {
      const body = await throughput('6h');
      expect(body.bucketSeconds).toBe(300);
      expect(body.channels[0]?.points).toHaveLength(72);
      expect(body.channels.find((c) => c.channel === 'sms')).toMatchObject({ delivered: 3, unsuccessful: 1 });
    });

    it('defaults to 1h', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/stats/throughput' });
      expect(res.json<ThroughputJson>().window).toBe('1h');
    });
  });

  describe('when the window is not one offered', () => {
    it('answers 400 naming the field', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/stats/throughput?window=2d' });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ code: string; errors: { field: string }[] }>()).toMatchObject({ code: 'GW_ERR_API_VALIDATION', errors: [{ field: 'querystring.window' }] });
    });
  });

  describe('when no token is sent', () => {
    it('answers 401', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/stats/throughput' });
      expect(res.statusCode).toBe(401);
    });
  });
});
