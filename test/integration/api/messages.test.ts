/** Finding messages: every filter, free-text id search, cursor paging, and the detail view. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';
import { backdate, seedMessage, type Seeded } from '../../helpers/messages.js';

interface Summary {
  id: string;
  deliveries: { id: string; state: string; targetUri: string }[];
}

describe('admin API messages', () => {
  let h: ApiHarness;
  /** Oldest first: [0] 10:00 … [4] 14:00. */
  let seeded: Seeded[];

  beforeAll(async () => {
    h = await startApiHarness('api_messages');
    const at = (hour: number): Date => new Date(Date.UTC(2025, 0, 15, hour));
    seeded = [
      await seedMessage(h.ledger, {
        at: at(10),
        senderUri: 'sip:Alice@example.com',
        imdnMessageId: 'imdn-alpha',
        sipCallId: 'call-alpha@pbx',
        deliveries: [{ targetUri: 'tel:+15551230001', state: 'delivered' }],
      }),
      await seedMessage(h.ledger, {
        at: at(11),
        senderUri: 'sip:bob@example.com',
        deliveries: [
          { targetUri: 'tel:+15551230002', state: 'failed' },
          { channel: 'email', targetUri: 'mailto:carol@example.org', state: 'delivered' },
        ],
      }),
      await seedMessage(h.ledger, {
        at: at(12),
        direction: 'mo',
        senderUri: 'tel:+15551230002',
        deliveries: [{ channel: 'sip', targetUri: 'sip:bob@example.com', state: 'queued' }],
      }),
      await seedMessage(h.ledger, {
        at: at(13),
        senderUri: 'sip:alice@example.com',
        body: 'the 100%_ case',
        deliveries: [{ channel: 'email', targetUri: 'mailto:dave@example.org', state: 'submitted' }],
      }),
      await seedMessage(h.ledger, {
        at: at(14),
        senderUri: 'sip:eve@example.com',
        deliveries: [{ targetUri: 'tel:+15551230005', state: 'enroute' }],
      }),
    ];
    for (const [hour, item] of seeded.entries()) await backdate(h.databaseUrl, item.message.id, at(10 + hour));
    const sms = seeded[1]?.deliveries[0];
    const email = seeded[3]?.deliveries[0];
    if (sms === undefined || email === undefined) throw new Error('seed failed');
    await h.ledger.correlations.insertSegment({ deliveryId: sms.id, seq: 1, total: 2, connectionId: 'smsc-a', smscMessageId: 'SMSC-0001' });
    await h.ledger.correlations.insertSegment({ deliveryId: sms.id, seq: 2, total: 2, connectionId: 'smsc-a', smscMessageId: 'SMSC-0002' });
    await h.ledger.correlations.putCorrelation({ kind: 'email-envid', key: 'envid-xyz', deliveryId: email.id });
    await h.ledger.appendEvent({ messageId: seeded[1]?.message.id ?? '', deliveryId: sms.id, type: 'receipt', cause: 'smpp:UNDELIV', detail: { stat: 'UNDELIV' } });
  });

  afterAll(async () => {
    await h?.close();
  });

  async function list(query: string): Promise<string[]> {
    const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages?${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: Summary[] }>().items.map((item) => item.id);
  }

  const ids = (...indexes: number[]): string[] => indexes.map((i) => seeded[i]?.message.id ?? `missing ${i}`);

  describe('when listed without filters', () => {
    it('gives every message newest first, each with its deliveries', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/messages' });
      const body = res.json<{ items: Summary[]; nextCursor: string | null }>();
      expect(body.items.map((m) => m.id)).toEqual(ids(4, 3, 2, 1, 0));
      expect(body.nextCursor).toBeNull();
      expect(body.items[3]?.deliveries.map((d) => d.state)).toEqual(['failed', 'delivered']);
    });
  });

  describe('when filtered', () => {
    it.each([
      ['status=failed', [1]],
      ['status=delivered', [1, 0]],
      ['channel=email', [3, 1]],
      ['channel=sip', [2]],
      ['direction=mo', [2]],
      ['direction=mt', [4, 3, 1, 0]],
      ['sender=ALICE', [3, 0]],
      ['recipient=%2B15551230002', [1]],
      ['recipient=example.org', [3, 1]],
      ['from=2025-01-15T11:00:00Z&to=2025-01-15T13:00:00Z', [2, 1]],
      ['status=delivered&channel=email', [1]],
      ['sender=alice&status=submitted', [3]],
    ])('%s finds the matching messages', async (query, expected) => {
      expect(await list(query)).toEqual(ids(...expected));
    });

    it('requires status and recipient to match the same delivery', async () => {
      expect(await list('status=failed&recipient=carol')).toEqual([]);
      expect(await list('status=delivered&recipient=carol')).toEqual(ids(1));
    });

    it('takes % and _ in a search literally', async () => {
      expect(await list('sender=%25')).toEqual([]);
      expect(await list('sender=_')).toEqual([]);
    });
  });

  describe('when searched by an id with q', () => {
    it.each([
      ['its message id', () => seeded[2]?.message.id, [2]],
      ['a delivery id', () => seeded[1]?.deliveries[1]?.id, [1]],
      ['its IMDN Message-ID', () => 'imdn-alpha', [0]],
      ['its SIP Call-ID', () => 'call-alpha@pbx', [0]],
      ['the SMSC id of an SMS part', () => 'SMSC-0002', [1]],
      ['an email ENVID', () => 'envid-xyz', [3]],
    ])('finds the message by %s', async (_what, q, expected) => {
      expect(await list(`q=${encodeURIComponent(q() ?? '')}`)).toEqual(ids(...expected));
    });

    it('finds nothing for an unknown id', async () => {
      expect(await list('q=nothing-like-this')).toEqual([]);
    });
  });

  describe('when paged', () => {
    it('walks every message once, newest first, and ends with a null cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/v1/messages?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const res = await h.as(h.viewerToken, { method: 'GET', url });
        const body = res.json<{ items: Summary[]; nextCursor: string | null }>();
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((m) => m.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(seen).toEqual(ids(4, 3, 2, 1, 0));
      expect(pages).toBe(3);
    });

    it('pages within a filter', async () => {
      const first = (await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/messages?direction=mt&limit=3' })).json<{ items: Summary[]; nextCursor: string }>();
      expect(first.items.map((m) => m.id)).toEqual(ids(4, 3, 1));
      const second = await list(`direction=mt&limit=3&cursor=${encodeURIComponent(first.nextCursor)}`);
      expect(second).toEqual(ids(0));
    });

    it('refuses a cursor it did not give out with 400 naming the field', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/messages?cursor=bm90LWEtY3Vyc29y' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'GW_ERR_API_VALIDATION', errors: [{ field: 'querystring.cursor' }] });
    });
  });

  describe('when a filter value is not allowed', () => {
    it.each([
      ['status=lost', 'querystring.status'],
      ['channel=fax', 'querystring.channel'],
      ['from=yesterday', 'querystring.from'],
      ['limit=1000', 'querystring.limit'],
    ])('%s is refused with 400 naming %s', async (query, field) => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages?${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('GW_ERR_API_VALIDATION');
      expect(res.json().errors).toContainEqual(expect.objectContaining({ field }));
    });
  });

  describe('when one message is opened', () => {
    it('shows its deliveries with their SMS parts and correlation ids, and the whole timeline', async () => {
      const target = seeded[1];
      const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages/${target?.message.id ?? ''}` });
      expect(res.statusCode).toBe(200);
      const detail = res.json();
      expect(detail).toMatchObject({
        id: target?.message.id,
        direction: 'mt',
        senderUri: 'sip:bob@example.com',
        body: { encoding: 'utf8', data: 'hello', bytes: 5 },
        imdnRequests: ['positive-delivery'],
      });
      expect(detail.deliveries).toHaveLength(2);
      expect(detail.deliveries[0]).toMatchObject({ state: 'failed', targetUri: 'tel:+15551230002', channel: 'sms' });
      expect(detail.deliveries[0].segments.map((s: { smscMessageId: string }) => s.smscMessageId)).toEqual(['SMSC-0001', 'SMSC-0002']);
      expect(detail.deliveries[1].segments).toEqual([]);

      const events = detail.events as { type: string; toState: string | null; cause: string; deliveryId: string }[];
      const sms = events.filter((e) => e.deliveryId === target?.deliveries[0]?.id);
      expect(sms.map((e) => e.toState ?? e.type)).toEqual(['accepted', 'queued', 'submitted', 'failed', 'receipt']);
      expect(sms.at(-1)).toMatchObject({ type: 'receipt', cause: 'smpp:UNDELIV' });
    });

    it('shows the correlation ids of an email delivery', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages/${seeded[3]?.message.id ?? ''}` });
      expect(res.json().deliveries[0].correlations).toEqual([expect.objectContaining({ kind: 'email-envid', key: 'envid-xyz' })]);
      expect(res.json().body.data).toBe('the 100%_ case');
    });

    it('answers 404 for an unknown id', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/messages/0190c0de-0000-7000-8000-000000000000' });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('GW_ERR_API_NOT_FOUND');
    });
  });
});
