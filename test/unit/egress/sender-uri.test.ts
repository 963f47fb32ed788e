import { describe, expect, it } from 'vitest';
import { senderAsSipUri } from '../../../src/egress/sender-uri.js';

describe('senderAsSipUri', () => {
  describe('when an SMS user writes', () => {
    it('should be the number in the gateway domain, as IM users address numbers', () => {
      expect(senderAsSipUri('tel:+15551234567', 'gw.example.com')).toBe('sip:+15551234567@gw.example.com;user=phone');
    });
  });

  describe('when an email user writes from a domain IM users address as SIP', () => {
    it('should be sip:user@that-domain, the URI the IM user wrote to', () => {
      expect(senderAsSipUri('mailto:bob@Example.com', 'gw.example.com', ['example.com'])).toBe('sip:bob@example.com');
    });
  });

  describe('when an email user writes from any other domain', () => {
    it('should be the escaped address in the gateway domain', () => {
      expect(senderAsSipUri('mailto:bob@example.org', 'gw.example.com', ['example.com'])).toBe('sip:bob%40example.org@gw.example.com');
    });
  });

  describe('when the sender is already a SIP URI', () => {
    it('should be kept', () => {
      expect(senderAsSipUri('sip:alnum@gw.example.com', 'gw.example.com')).toBe('sip:alnum@gw.example.com');
    });
  });
});
