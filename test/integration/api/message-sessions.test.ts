/**
 * Session messages in the admin API: a message received in an MSRP session shows its
 * session (id, parties, transport, start and end), the list filters by session, and a
 * page-mode message shows none. Over inject against a real PostgreSQL ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';
import { seedMessage, type Seeded } from '../../helpers/messages.js';

interface SessionJson {
  id: string;
  callId: string;
  imUser: string;
  farParty: string;
  largeMessageMode: boolean;
  secure: boolean;
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
}

interface Summary {
  id: string;
  session: SessionJson | null;
}

describe('admin API: messages of MSRP sessions', () => {
  let h: ApiHarness;
  let chat: Seeded[];
  let pageMode: Seeded;
  let other: Seeded;
  const started = new Date('2026-12-07T01:00:00.000Z');

  beforeAll(async () => {
    h = await startApiHarness('api_message_sessions');
    const sms = (text: string): Promise<Seeded> => seedMessage(h.ledger, { senderUri: 'sip:alice@example.com', body: text, deliveries: [{ targetUri: 'tel:+15557770001', state: 'delivered' }] });
    chat = [await sms('first'), await sms('second')];
    pageMode = await sms('page mode');
    other = await sms('other session');
    const sessions = h.ledger.msrpSessions;
    await sessions.opened({ id: 'sessA', callId: 'call-a@client', imUser: 'sip:alice@example.com', farParty: 'tel:+15557770001', largeMessageMode: false, secure: true, node: '127.0.0.1:2855', startedAt: started });
    await sessions.opened({ id: 'sessB', callId: 'call-b@client', imUser: 'sip:alice@example.com', farParty: 'tel:+15557770001', largeMessageMode: true, secure: false, node: '127.0.0.1:2855', startedAt: started });
    for (const seeded of chat) await sessions.linkMessage('sessA', seeded.message.id);
    // A resent message is linked again: nothing changes.
    await sessions.linkMessage('sessA', chat[0]?.message.id ?? '');
    await sessions.linkMessage('sessB', other.message.id);
    await sessions.ended('sessA', new Date('2026-12-07T01:05:00.000Z'), 'BYE');
    // A second end (a late close) keeps the first.
    await sessions.ended('sessA', new Date('2026-12-07T02:00:00.000Z'), 'shutdown');
  });

  afterAll(async () => {
    await h?.close();
  });

  async function list(query: string): Promise<Summary[]> {
    const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages?${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: Summary[] }>().items;
  }

  describe('when the list is filtered by session', () => {
    it('gives only the messages received in that session, newest first', async () => {
      expect((await list('session=sessA')).map((m) => m.id)).toEqual([chat[1]?.message.id, chat[0]?.message.id]);
      expect((await list('session=sessB')).map((m) => m.id)).toEqual([other.message.id]);
      expect(await list('session=no-such-session')).toEqual([]);
    });

    it('combines with the other filters', async () => {
      expect((await list('session=sessA&status=delivered&sender=alice')).length).toBe(2);
      expect(await list('session=sessA&status=failed')).toEqual([]);
    });

    it('refuses an empty or overlong session id with 400 naming the field', async () => {
      for (const value of ['', 'x'.repeat(129)]) {
        const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages?session=${value}` });
        expect(res.statusCode).toBe(400);
        expect(res.json().errors).toContainEqual(expect.objectContaining({ field: 'querystring.session' }));
      }
    });
  });

  describe('when messages are listed', () => {
    it('shows each message’s session, and null for page mode', async () => {
      const items = await list('limit=100');
      const byId = new Map(items.map((m) => [m.id, m]));
      expect(byId.get(chat[0]?.message.id ?? '')?.session?.id).toBe('sessA');
      expect(byId.get(other.message.id)?.session).toMatchObject({ id: 'sessB', largeMessageMode: true, secure: false, endedAt: null, endReason: null });
      expect(byId.get(pageMode.message.id)?.session).toBeNull();
    });
  });

  describe('when one session message is opened', () => {
    it('shows the session with its parties, transport, start and first end', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages/${chat[1]?.message.id ?? ''}` });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ session: SessionJson }>().session).toEqual({
        id: 'sessA',
        callId: 'call-a@client',
        imUser: 'sip:alice@example.com',
        farParty: 'tel:+15557770001',
        largeMessageMode: false,
        secure: true,
        node: '127.0.0.1:2855',
        startedAt: '2026-12-07T01:00:00.000Z',
        endedAt: '2026-12-07T01:05:00.000Z',
        endReason: 'BYE',
      });
    });

    it('shows null for a page-mode message', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages/${pageMode.message.id}` });
      expect(res.json<{ session: unknown }>().session).toBeNull();
    });
  });

  describe('when a node starts again', () => {
    it('ends the sessions its previous process left open, and no other node\'s', async () => {
      const sessions = h.ledger.msrpSessions;
      const base = { callId: 'c@x', imUser: 'sip:bob@example.com', farParty: 'tel:+15557770009', largeMessageMode: false, secure: false, startedAt: started };
      await sessions.opened({ ...base, id: 'orphan1', node: '10.0.0.1:2855' });
      await sessions.opened({ ...base, id: 'elsewhere', node: '10.0.0.2:2855' });
      const seed = async (): Promise<string> => (await seedMessage(h.ledger, { senderUri: 'sip:bob@example.com', deliveries: [{ targetUri: 'tel:+15557770009', state: 'queued' }] })).message.id;
      const messageId = await seed();
      const elsewhereMessage = await seed();
      await sessions.linkMessage('orphan1', messageId);
      await sessions.linkMessage('elsewhere', elsewhereMessage);
      expect(await sessions.endOrphans('10.0.0.1:2855', new Date('2026-12-07T03:00:00.000Z'), 'lost with its process')).toBe(1);
      // sessA (ended by BYE) and the other node's session are left as they are.
      expect(await sessions.endOrphans('10.0.0.1:2855', new Date(), 'again')).toBe(0);
      const shown = (await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/messages/${messageId}` })).json<{ session: SessionJson }>().session;
      expect(shown).toMatchObject({ id: 'orphan1', node: '10.0.0.1:2855', endedAt: '2026-12-07T03:00:00.000Z', endReason: 'lost with its process' });
      const found = await sessions.ofMessages([elsewhereMessage, chat[0]?.message.id ?? '']);
      expect(found.get(elsewhereMessage)?.endedAt).toBeUndefined();
      expect(found.get(chat[0]?.message.id ?? '')?.endReason).toBe('BYE');
    });
  });
});
