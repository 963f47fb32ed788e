import { describe, expect, it } from 'vitest';
import { parseCpim } from '../../../src/codecs/cpim.js';
import { extractImdnRequest } from '../../../src/codecs/imdn-request.js';
import { buildMessageBody, moImdnMessageId } from '../../../src/egress/message-body.js';
import { delivery, message } from '../dispositions/fixtures.js';

const mo = message({ id: '0190a0b0-0000-7000-8000-000000000001', direction: 'mo', sourceChannel: 'sms', senderUri: 'tel:+15551234567', imdnMessageId: undefined, imdnRequests: [], body: Buffer.from('reply from a phone') });
const toIm = delivery({ channel: 'sip', targetUri: 'sip:bob@example.com', originalRecipientUri: 'sip:bob@example.com', state: 'queued' });

describe('buildMessageBody', () => {
  describe('when relaying an SMS reply to an IM user', () => {
    const out = buildMessageBody(mo, toIm, 'gw.example.com');
    const cpim = parseCpim(out.body);

    it('wraps the text/plain payload in CPIM', () => {
      expect(out.contentType).toBe('message/cpim');
      expect(cpim.contentType).toBe('text/plain;charset=UTF-8');
      expect(cpim.body.toString()).toBe('reply from a phone');
      expect(cpim.from?.uri).toBe('sip:+15551234567@gw.example.com;user=phone');
      expect(cpim.to[0]?.uri).toBe('sip:bob@example.com');
    });
    it('asks for positive-delivery and display with a stable imdn.Message-ID', () => {
      const request = extractImdnRequest(cpim);
      expect(request.messageId).toBe(mo.id);
      expect(request.dispositionNotification).toEqual(['positive-delivery', 'display']);
      expect(buildMessageBody(mo, toIm, 'gw.example.com').body.equals(out.body)).toBe(true);
    });
  });

  describe('when the MO message came with its own imdn.Message-ID', () => {
    it('uses it', () => {
      expect(moImdnMessageId({ id: 'x', imdnMessageId: 'abc123' })).toBe('abc123');
    });
  });
});
