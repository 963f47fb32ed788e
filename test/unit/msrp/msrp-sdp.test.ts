import { describe, expect, it } from 'vitest';
import { answerSetup, connectTarget, parseMsrpOffer, serializeMsrpAnswer } from '../../../adapters/sip/msrp/codec/index.js';
import { expectHeraldError } from '../codecs/codec-test-helpers.js';

/** RFC 4975 §8 example offer, with an audio stream next to it and RFC 6135 setup. */
const OFFER = [
  'v=0',
  'o=alice 2890844526 2890844527 IN IP4 alice.example.com',
  's= -',
  'c=IN IP4 alice.example.com',
  't=0 0',
  'm=audio 49170 RTP/AVP 0',
  'm=message 7654 TCP/MSRP *',
  'a=accept-types:message/cpim text/plain',
  'a=accept-wrapped-types:text/plain message/imdn+xml',
  'a=max-size:4096',
  'a=setup:actpass',
  'a=path:msrp://alice.example.com:7654/jshA7weztas;tcp',
  '',
].join('\r\n');

describe('MSRP SDP', () => {
  describe('when reading an offer', () => {
    it('takes the MSRP stream and its attributes, not the audio one', () => {
      const offer = parseMsrpOffer(OFFER);
      expect(offer).toMatchObject({
        path: ['msrp://alice.example.com:7654/jshA7weztas;tcp'],
        acceptTypes: ['message/cpim', 'text/plain'],
        acceptWrappedTypes: ['text/plain', 'message/imdn+xml'],
        maxSize: 4096,
        setup: 'actpass',
        secure: false,
        msrpIndex: 1,
      });
    });

    it('defaults setup to active when absent (RFC 6135 §4.2)', () => {
      expect(parseMsrpOffer(OFFER.replace('a=setup:actpass\r\n', '')).setup).toBe('active');
    });

    it('refuses an offer without MSRP, a rejected MSRP stream, or one without a path', () => {
      expectHeraldError(() => parseMsrpOffer('v=0\r\nm=audio 4000 RTP/AVP 0\r\n'), 'GW_ERR_SDP_UNACCEPTABLE');
      expectHeraldError(() => parseMsrpOffer(OFFER.replace('m=message 7654', 'm=message 0')), 'GW_ERR_SDP_UNACCEPTABLE');
      expectHeraldError(() => parseMsrpOffer(OFFER.replace(/a=path:.*\r\n/, '')), 'GW_ERR_SDP_UNACCEPTABLE');
      expectHeraldError(() => parseMsrpOffer('x'.repeat(9000)), 'GW_ERR_SDP_UNACCEPTABLE');
    });
  });

  describe('when writing the answer', () => {
    it('answers every m= line, rejecting the audio one, and names Herald’s path', () => {
      const offer = parseMsrpOffer(OFFER);
      const sdp = serializeMsrpAnswer(offer, {
        originHost: '192.0.2.1',
        sessionVersion: 1,
        path: ['msrp://192.0.2.1:2855/s1;tcp'],
        port: 2855,
        acceptTypes: ['message/cpim', 'text/plain'],
        acceptWrappedTypes: ['text/plain'],
        maxSize: 65536,
        setup: answerSetup(offer.setup),
        secure: false,
      });
      const lines = sdp.split('\r\n');
      expect(lines.filter((l) => l.startsWith('m='))).toEqual(['m=audio 0 RTP/AVP 0', 'm=message 2855 TCP/MSRP *']);
      expect(lines).toContain('a=setup:passive');
      expect(lines).toContain('a=path:msrp://192.0.2.1:2855/s1;tcp');
      expect(lines).toContain('a=max-size:65536');
      // What Herald wrote, Herald reads back.
      expect(parseMsrpOffer(sdp).path).toEqual(['msrp://192.0.2.1:2855/s1;tcp']);
    });

    it('connects itself when the offerer only listens', () => {
      expect(answerSetup('passive')).toBe('active');
      expect(answerSetup('active')).toBe('passive');
    });
  });

  describe('when the offer is for msrps (TCP/TLS/MSRP)', () => {
    const SECURE = OFFER.replace('TCP/MSRP', 'TCP/TLS/MSRP').replace('msrp://alice', 'msrps://alice');

    it('reads it as secure and answers TCP/TLS/MSRP with Herald’s msrps path', () => {
      const offer = parseMsrpOffer(SECURE);
      expect(offer.secure).toBe(true);
      expect(offer.path).toEqual(['msrps://alice.example.com:7654/jshA7weztas;tcp']);
      const sdp = serializeMsrpAnswer(offer, { originHost: '192.0.2.1', sessionVersion: 1, path: ['msrps://192.0.2.1:2856/s1;tcp'], port: 2856, acceptTypes: ['text/plain'], acceptWrappedTypes: [], maxSize: 1024, setup: 'passive', secure: true });
      expect(sdp).toContain('m=message 2856 TCP/TLS/MSRP *\r\n');
      expect(parseMsrpOffer(sdp)).toMatchObject({ secure: true, path: ['msrps://192.0.2.1:2856/s1;tcp'] });
    });
  });

  describe('when CEMA is offered (RFC 6714)', () => {
    /** An SBC anchored the connection: c=/m= name it, a=path still names the client. */
    const ANCHORED = OFFER.replace('c=IN IP4 alice.example.com', 'c=IN IP4 198.51.100.7').replace('m=message 7654', 'm=message 40000').replace('a=setup:actpass', 'a=setup:passive\r\na=msrp-cema');

    it('reads a=msrp-cema and the c=/m= address', () => {
      const offer = parseMsrpOffer(ANCHORED);
      expect(offer.cema).toBe(true);
      expect(offer.connection).toEqual({ host: '198.51.100.7', port: 40000 });
      expect(parseMsrpOffer(OFFER).cema).toBe(false);
    });

    it('prefers a media-level c= line over the session-level one (RFC 4566 §5.7)', () => {
      const mediaLevel = ANCHORED.replace('a=msrp-cema', 'c=IN IP4 203.0.113.9\r\na=msrp-cema');
      expect(parseMsrpOffer(mediaLevel).connection).toEqual({ host: '203.0.113.9', port: 40000 });
    });

    it('connects to c=/m= with CEMA, to the a=path URI without it', () => {
      expect(connectTarget(parseMsrpOffer(ANCHORED))).toEqual({ host: '198.51.100.7', port: 40000 });
      const withoutCema = parseMsrpOffer(ANCHORED.replace('a=msrp-cema\r\n', ''));
      expect(withoutCema.cema).toBe(false);
      expect(connectTarget(withoutCema)).toEqual({ host: 'alice.example.com', port: 7654 });
    });

    it('answers a=msrp-cema only when told to', () => {
      const offer = parseMsrpOffer(ANCHORED);
      const base = { originHost: '192.0.2.1', sessionVersion: 1, path: ['msrp://192.0.2.1:2855/s1;tcp'], port: 2855, acceptTypes: ['text/plain'], acceptWrappedTypes: [], maxSize: 1024, setup: 'active' as const, secure: false };
      expect(serializeMsrpAnswer(offer, { ...base, cema: true }).split('\r\n')).toContain('a=msrp-cema');
      expect(serializeMsrpAnswer(offer, base)).not.toContain('msrp-cema');
    });

    it('falls back to the path when c= is unreadable, and refuses a path that is no MSRP URI', () => {
      const noC = parseMsrpOffer(ANCHORED.replace('c=IN IP4 198.51.100.7', 'c=IN IP4 bad host'));
      expect(noC.connection).toBeUndefined();
      expect(connectTarget(noC)).toEqual({ host: 'alice.example.com', port: 7654 });
      expectHeraldError(() => connectTarget({ ...parseMsrpOffer(OFFER), path: ['http://x/'] }), 'GW_ERR_MSRP_MALFORMED');
    });
  });
});
