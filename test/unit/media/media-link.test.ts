import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { newToken } from '../../../src/domain/ids.js';
import { MEDIA_TOKEN_BYTES, mediaBaseUrl, mediaSmsText, mediaSmsTextForMeasure, mediaUrl } from '../../../src/media/media-link.js';

describe('media-link', () => {
  describe('when no public base URL is set', () => {
    it('links to the HTTP server address', () => {
      const config = loadConfig({ env: { HERALD_HTTP_PORT: '8081' } });
      expect(mediaBaseUrl(config)).toBe('http://127.0.0.1:8081');
    });
  });

  describe('when a public base URL is set', () => {
    it('uses it without a trailing slash', () => {
      const config = loadConfig({ env: { HERALD_MEDIA_PUBLIC_BASE_URL: 'https://herald.example.com/' } });
      expect(mediaUrl(mediaBaseUrl(config), 'abc')).toBe('https://herald.example.com/m/abc');
    });
  });

  describe('when measuring the SMS before a link exists', () => {
    it('has the length of the real text', () => {
      const config = loadConfig({ env: {} });
      const real = mediaSmsText('image/jpeg', mediaUrl(mediaBaseUrl(config), newToken(MEDIA_TOKEN_BYTES)));
      expect(mediaSmsTextForMeasure(mediaBaseUrl(config), 'image/jpeg')).toHaveLength(real.length);
      expect(real).toMatch(/^Picture \(image\/jpeg\): http:\/\/127\.0\.0\.1:8080\/m\/[A-Za-z0-9_-]{22}$/);
    });
  });
});
