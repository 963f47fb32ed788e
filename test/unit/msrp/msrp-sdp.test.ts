import { describe, expect, it } from 'vitest';
import { answerSetup, parseMsrpOffer, serializeMsrpAnswer } from '../../../adapters/sip/msrp/codec/index.js';
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
});
