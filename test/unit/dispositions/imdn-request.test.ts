import { describe, expect, it } from 'vitest';
import { parseCpim } from '../../../src/codecs/cpim.js';
import { parseImdn } from '../../../src/codecs/imdn.js';
import { extractImdnRequest } from '../../../src/codecs/imdn-request.js';
import { imdnDestination, imdnRequest } from '../../../src/dispositions/imdn-send.js';
import type { StoredNotification } from '../../../src/domain/notification.js';
import { loadConfig } from '../../../src/config.js';
import { buildImdnXml } from '../../../src/dispositions/build-imdn.js';
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
    it('goes to the sender, from the gateway identity, with credentials', () => {
      expect(request.requestUri).toBe('sip:alice@example.com');
      expect(request.from.uri).toBe('sip:herald@gw.example.com');
      expect(request.to.uri).toBe('sip:alice@example.com');
      expect(request.credentials).toEqual({ username: 'herald', password: 'pw' });
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
