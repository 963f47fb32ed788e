import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { serializeImdn } from '../../../src/codecs/imdn.js';
import type { MsrpSession } from '../../../src/ports/msrp-endpoint.port.js';
import type { SipEdge, SipOutgoingMessage } from '../../../src/ports/sip-edge.port.js';
import { verdictOf } from '../../../src/session/msrp-status.js';
import { SessionRegistry, sessionFor, withSessions, type OpenSession } from '../../../src/session/index.js';
import { imdnMessageIdOf } from '../../../src/session/cpim-id.js';

const log = pino({ level: 'silent' });
const routing = { emailDomains: ['example.test'] };

function msrpDouble(fail = false): MsrpSession & { sent: string[] } {
  const sent: string[] = [];
  return {
    id: 's1',
    sent,
    async send(contentType: string, body: Buffer) {
      if (fail) throw new Error('no connection');
      sent.push(`${contentType}|${body.toString()}`);
    },
    async close() {},
  };
}

function session(msrp: MsrpSession, farParty = 'tel:+15551230001'): OpenSession {
  return { callId: 'c1@x', imUser: 'sip:alice@127.0.0.1:5070', farParty, largeMessageMode: false, msrp, tags: { local: 'l1', remote: 'r1' }, answerSdp: '' };
}

function imdnFor(messageId: string): SipOutgoingMessage {
  const xml = serializeImdn({ messageId, datetime: '2026-12-07T01:00:00Z', notification: { type: 'delivery', status: 'delivered' } });
  const body = ['From: <sip:+15559990000@gw>', 'To: <sip:alice@127.0.0.1>', 'NS: imdn <urn:ietf:params:imdn>', 'imdn.Message-ID: n-1', '', 'Content-Type: message/imdn+xml', '', xml].join('\r\n');
  return { requestUri: 'sip:alice@127.0.0.1:5070', from: { uri: 'sip:herald@gw' }, to: { uri: 'sip:alice@127.0.0.1:5070' }, contentType: 'message/cpim', body };
}

function pagerEdge(): SipEdge & { sent: SipOutgoingMessage[] } {
  const sent: SipOutgoingMessage[] = [];
  return { sent, start: async () => undefined, stop: async () => undefined, isReady: () => true, send: async (m) => (sent.push(m), { status: 200, reason: 'OK', headers: {} }) };
}

describe('session edge', () => {
  describe('when an IMDN is about a message sent in an open session', () => {
    it('finds the session by the IM user and imdn.Message-ID, whatever the port in the URI', () => {
      const registry = new SessionRegistry();
      const open = session(msrpDouble());
      registry.add(open);
      registry.rememberImdnId(open, 'm-1');
      expect(sessionFor(imdnFor('m-1'), registry, routing)).toBe(open);
      expect(sessionFor({ ...imdnFor('m-1'), to: { uri: 'sip:alice@127.0.0.1' } }, registry, routing)).toBe(open);
      expect(sessionFor(imdnFor('m-2'), registry, routing)).toBeUndefined();
    });
  });

  describe('when a reply comes from the far party of an open session', () => {
    it('finds the session by IM user and routed far party', () => {
      const registry = new SessionRegistry();
      const open = session(msrpDouble());
      registry.add(open);
      const mo: SipOutgoingMessage = { requestUri: 'sip:alice@127.0.0.1:5070', from: { uri: 'sip:+15551230001@gw' }, to: { uri: 'sip:alice@127.0.0.1:5070' }, contentType: 'text/plain', body: 'hi' };
      expect(sessionFor(mo, registry, routing)).toBe(open);
      expect(sessionFor({ ...mo, from: { uri: 'sip:+15551230002@gw' } }, registry, routing)).toBeUndefined();
      registry.remove(open);
      expect(sessionFor(mo, registry, routing)).toBeUndefined();
    });
  });

  describe('when sending through the decorated edge', () => {
    it('sends into the session, and as a MESSAGE when the session cannot take it', async () => {
      const registry = new SessionRegistry();
      const msrp = msrpDouble();
      registry.add(session(msrp));
      const inner = pagerEdge();
      const edge = withSessions(inner, registry, routing, log);
      const mo: SipOutgoingMessage = { requestUri: 'sip:alice@127.0.0.1:5070', from: { uri: 'sip:+15551230001@gw' }, to: { uri: 'sip:alice@127.0.0.1:5070' }, contentType: 'text/plain', body: 'hi' };
      expect((await edge.send(mo)).status).toBe(200);
      expect(msrp.sent).toEqual(['text/plain|hi']);
      expect(inner.sent).toHaveLength(0);

      const broken = new SessionRegistry();
      broken.add(session(msrpDouble(true)));
      const fallback = pagerEdge();
      await withSessions(fallback, broken, routing, log).send(mo);
      expect(fallback.sent).toHaveLength(1);
    });
  });

  describe('when mapping page-mode answers to MSRP statuses', () => {
    it('keeps 200, 400, 413 and 415, and makes every other refusal 403', () => {
      expect(verdictOf({ status: 202, reason: 'Accepted' }).status).toBe(200);
      expect(verdictOf({ status: 413, reason: 'x' }).status).toBe(413);
      expect(verdictOf({ status: 415, reason: 'x' }).status).toBe(415);
      expect(verdictOf({ status: 488, reason: 'x' }).status).toBe(415);
      expect(verdictOf({ status: 404, reason: 'x' }).status).toBe(403);
      expect(verdictOf({ status: 503, reason: 'x' }).status).toBe(403);
    });
  });

  describe('when reading the imdn.Message-ID of a session message', () => {
    it('reads it from CPIM and gives nothing for plain text or broken CPIM', () => {
      const cpim = Buffer.from(['From: <sip:a@b>', 'To: <sip:c@d>', 'NS: imdn <urn:ietf:params:imdn>', 'imdn.Message-ID: abc', '', 'Content-Type: text/plain', '', 'hi'].join('\r\n'));
      expect(imdnMessageIdOf({ contentType: 'message/cpim', body: cpim })).toBe('abc');
      expect(imdnMessageIdOf({ contentType: 'text/plain', body: Buffer.from('hi') })).toBeUndefined();
      expect(imdnMessageIdOf({ contentType: 'message/cpim', body: Buffer.from('junk') })).toBeUndefined();
    });
  });
});
