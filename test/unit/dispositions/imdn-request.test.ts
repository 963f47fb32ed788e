import { describe, expect, it } from 'vitest';
import { parseCpim } from '../../../src/codecs/cpim.js';
import { parseImdn } from '../../../src/codecs/imdn.js';
import { extractImdnRequest } from '../../../src/codecs/imdn-request.js';
import { imdnDestination, imdnRequest } from '../../../src/dispositions/imdn-send.js';
import { GATEWAY_IDENTITY_HEADER } from '../../../src/egress/sender-uri.js';
import type { StoredNotification } from '../../../src/domain/notification.js';
import { loadConfig } from '../../../src/config.js';
import { buildImdnXml, imdnSpeakerUri } from '../../../src/dispositions/build-imdn.js';
import { AT, delivery, message } from './fixtures.js';

const payload = buildImdnXml({ message: message(), delivery: delivery(), notification: { type: 'delivery', status: 'delivered' }, at: AT });
const notification: StoredNotification = {
  id: 'n-1', deliveryId: 'd-1', messageId: 'm-1', kind: 'delivery', status: 'delivered', imdnMessageId: 'fresh-id-1', payload,
  state: 'pending', attempts: 0, createdAt: new Date('2026-11-26T07:00:00Z'),
};

describe('imdnRequest', () => {
  const config = loadConfig({ env: { HERALD_SIP_IDENTITY: 'sip:herald@gw.example.com', HERALD_SIP_OUTBOUND_USERNAME: 'herald', HERALD_SIP_OUTBOUND_PASSWORD: 'pw' } });

  describe('when the IM carried no IMDN-Record-Route', () => {
    const request = imdnRequest(config, message(), notification);
    it('goes to the sender, with credentials', () => {
      expect(request.requestUri).toBe('sip:alice@example.com');
      expect(request.to.uri).toBe('sip:alice@example.com');
      expect(request.credentials).toEqual({ username: 'herald', password: 'pw' });
    });
    it('speaks as the recipient: SIP From and CPIM From are the URI the sender wrote to', () => {
      // liblinphone finds the message in the chat room of the IMDN's From (issue 15, finding 10).
      expect(request.from.uri).toBe('sip:+15551234567@gw.example.com');
      const cpim = parseCpim(Buffer.from(request.body));
      expect(cpim.from?.uri).toBe('sip:+15551234567@gw.example.com');
      expect(cpim.to.map((to) => to.uri)).toEqual(['sip:alice@example.com']);
    });
    it('names the gateway itself in Sender and keeps the relayed-by-gateway marking', () => {
      expect(request.headers?.[GATEWAY_IDENTITY_HEADER]).toBe('<sip:herald@gw.example.com>');
      const imdn = parseImdn(parseCpim(Buffer.from(request.body)).body);
      expect(imdn.recipientUri).toBe('tel:+15551234567');
      expect(imdn.originalRecipientUri).toBe('sip:+15551234567@gw.example.com');
    });
    it('carries the IMDN in CPIM with a fresh Message-ID and Content-Disposition: notification', () => {
      expect(request.contentType).toBe('message/cpim');
      const cpim = parseCpim(Buffer.from(request.body));
      expect(cpim.contentType).toBe('message/imdn+xml');
      expect(cpim.contentHeaders).toContainEqual({ name: 'Content-Disposition', value: 'notification' });
      expect(extractImdnRequest(cpim).messageId).toBe('fresh-id-1');
      expect(parseImdn(cpim.body).messageId).toBe('TQ8lhPzudMrn');
    });
  });

  describe('when the notification is a group summary (no single recipient)', () => {
    it('speaks as the gateway', () => {
      const summaryPayload = buildImdnXml({ message: message(), notification: { type: 'delivery', status: 'delivered' }, at: AT });
      const request = imdnRequest(config, message(), { ...notification, kind: 'summary', payload: summaryPayload });
      expect(request.from.uri).toBe('sip:herald@gw.example.com');
      expect(parseCpim(Buffer.from(request.body)).from?.uri).toBe('sip:herald@gw.example.com');
    });
  });

  describe('when the recipient URI has XML-escaped characters', () => {
    it('reads it back unescaped', () => {
      const odd = buildImdnXml({ message: message(), delivery: delivery({ originalRecipientUri: 'sip:a&b@gw.example.com' }), notification: { type: 'delivery', status: 'delivered' }, at: AT });
      expect(imdnSpeakerUri(odd)).toBe('sip:a&b@gw.example.com');
    });
  });

  describe('when the IM carried IMDN-Record-Route', () => {
    const routed = message({ imdnRoute: ['sip:imdn@relay.example.com:5070', 'sip:second@example.com'] });
    it('goes to the topmost entry and copies the route into IMDN-Route', () => {
      const request = imdnRequest(config, routed, notification);
      expect(request.requestUri).toBe('sip:imdn@relay.example.com:5070');
      expect(request.to.uri).toBe('sip:alice@example.com');
      expect(extractImdnRequest(parseCpim(Buffer.from(request.body))).imdnRoute).toEqual(['sip:imdn@relay.example.com:5070', 'sip:second@example.com']);
      expect(imdnDestination(routed)).toBe('sip:imdn@relay.example.com:5070');
    });
  });
});
