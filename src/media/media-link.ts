/**
 * Media links (`media.linkMode`): non-text content an SMS cannot carry goes out as a URL
 * to the gateway's HTTP server (GET /m/<token>). Pure.
 *
 * The token is 128 random bits (base64url): the link is the only credential, so it must
 * not be guessable or enumerable, and it expires (`media.linkTtlHours`, then 410).
 */
import type { HeraldConfig } from '../config.js';

/** Random bytes in a link token; 16 base64url bytes are 22 characters. */
export const MEDIA_TOKEN_BYTES = 16;
const TOKEN_CHARS = Math.ceil((MEDIA_TOKEN_BYTES * 4) / 3);

/**
 * Where SMS recipients reach the HTTP server: `media.publicBaseUrl`, else where it
 * listens (`listening`, known once it does: with http.port 0 the port is picked then),
 * else http.host:http.port.
 */
export function mediaBaseUrl(config: Pick<HeraldConfig, 'media' | 'http'>, listening?: string): string {
  if (config.media.publicBaseUrl !== undefined) return config.media.publicBaseUrl.replace(/\/+$/, '');
  if (listening !== undefined) return listening.replace(/\/+$/, '');
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return `http://${host}:${config.http.port}`;
}

/** The link for a token. */
export function mediaUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/m/${token}`;
}

function kindWord(mediaType: string): string {
  const top = mediaType.split('/')[0];
  if (top === 'image') return 'Picture';
  if (top === 'audio') return 'Audio';
  if (top === 'video') return 'Video';
  return 'File';
}

/** The SMS text that stands for the content, e.g. `Picture (image/jpeg): https://…/m/Tk…`. */
export function mediaSmsText(mediaType: string, url: string): string {
  return `${kindWord(mediaType)} (${mediaType}): ${url}`;
}

/**
 * The same text with a stand-in token of the real length, so SIP ingress can measure the
 * SMS (parts, with the group line) before any link exists.
 */
export function mediaSmsTextForMeasure(baseUrl: string, mediaType: string): string {
  return mediaSmsText(mediaType, mediaUrl(baseUrl, 'x'.repeat(TOKEN_CHARS)));
}
