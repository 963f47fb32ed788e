import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SipIncomingRequest } from '../../../src/ports/sip-edge.port.js';
import { expiryDelayMs, negotiateSessionTimer, parseSessionExpires } from '../../../src/session/session-timer.js';

const settings = { minSeconds: 90, defaultSeconds: 1800 };

function invite(headers: Record<string, string[]>): SipIncomingRequest {
  return {
    method: 'INVITE',
    requestUri: 'sip:+15551230000@gw',
    from: { uri: 'sip:alice@x', tag: 'a' },
    to: { uri: 'sip:+15551230000@gw' },
    callId: 'c@x',
    cseq: 1,
    headers,
    body: Buffer.alloc(0),
    source: { address: '127.0.0.1', port: 5070, transport: 'udp' },
  };
}

describe('session timer (RFC 4028)', () => {
  describe('when Session-Expires is below Min-SE', () => {
    it('answers 422 with Herald\'s Min-SE', () => {
      const out = negotiateSessionTimer(invite({ supported: ['timer'], 'session-expires': ['30;refresher=uac'] }), settings);
      expect(out.ok).toBe(false);
      if (out.ok) return;
      expect(out.reply.status).toBe(422);
      expect(out.reply.headers?.['Min-SE']).toBe('90');
    });
  });

  describe('when the client supports timers', () => {
    it('takes its interval with refresher=uac and requires timer', () => {
      const out = negotiateSessionTimer(invite({ supported: ['100rel, timer'], 'session-expires': ['600'] }), settings);
      expect(out).toEqual({ ok: true, terms: { seconds: 600 }, headers: { 'Session-Expires': '600;refresher=uac', Require: 'timer' } });
    });

    it('picks the default interval when it names none', () => {
      const out = negotiateSessionTimer(invite({ supported: ['timer'] }), settings);
      expect(out.ok && out.terms?.seconds).toBe(1800);
    });

    it('does not take the refresher role it asks Herald to play (refresher=uas)', () => {
      const out = negotiateSessionTimer(invite({ supported: ['timer'], 'session-expires': ['600;refresher=uas'] }), settings);
      expect(out).toEqual({ ok: true, terms: undefined, headers: {} });
    });
  });

  describe('when the client does not support timers', () => {
    it('runs no timer even when a proxy added Session-Expires', () => {
      expect(negotiateSessionTimer(invite({ 'session-expires': ['600'] }), settings)).toEqual({ ok: true, terms: undefined, headers: {} });
    });
  });

  describe('parseSessionExpires', () => {
    it('never throws and reads only digits with parameters', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 80 }), (text) => {
          const parsed = parseSessionExpires(text);
          if (parsed !== undefined) {
            expect(Number.isInteger(parsed.seconds)).toBe(true);
            expect(parsed.seconds).toBeGreaterThanOrEqual(0);
            expect(parsed.seconds).toBeLessThanOrEqual(86_400);
          }
        }),
      );
    });

    it('round-trips any interval and refresher', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 86_400 }), fc.constantFrom('uac', 'uas', undefined), (seconds, refresher) => {
          const text = refresher === undefined ? String(seconds) : `${seconds};refresher=${refresher}`;
          expect(parseSessionExpires(text)).toEqual({ seconds, refresher });
        }),
      );
    });
  });

  describe('expiryDelayMs', () => {
    it('sends BYE before the interval ends, by min(32 s, a third)', () => {
      expect(expiryDelayMs({ seconds: 1800 })).toBe((1800 - 32) * 1000);
      expect(expiryDelayMs({ seconds: 3 })).toBe(2000);
    });
  });
});
