/**
 * GET /m/:token: the content behind a media link sent by SMS (`media.linkMode`).
 *
 * No authentication: the unguessable token is the credential (128 random bits), as for any
 * link sent by SMS. After its expiry the link answers 410 Gone, so a recipient learns it
 * existed but is no longer there; an unknown token is 404. The content is served as
 * inert: `nosniff` and a sandboxing CSP, so a sender cannot make the gateway's origin run
 * script (an SVG or HTML sent as "media").
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import type { MediaLinkStore } from '../ports/media-link-store.port.js';

/** Tokens are base64url; anything else is not one of ours and is not looked up. */
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export interface MediaRouteDeps {
  readonly store: MediaLinkStore;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** Registers GET /m/:token on `app`. */
export function registerMediaRoute(app: FastifyInstance, deps: MediaRouteDeps): void {
  const now = deps.now ?? (() => new Date());
  app.get<{ Params: { token: string } }>('/m/:token', async (request, reply) => {
    void reply.header('Cache-Control', 'private, no-store').header('Referrer-Policy', 'no-referrer');
    const { token } = request.params;
    const found = TOKEN.test(token) ? await deps.store.resolve(token) : undefined;
    if (found === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
    if (found.link.expiresAt.getTime() <= now().getTime()) {
      deps.log.info({ msgId: found.message.id }, 'expired media link requested');
      return reply.code(410).type('text/plain; charset=utf-8').send('This link has expired.\n');
    }
    return reply
      .code(200)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "sandbox; default-src 'none'")
      .header('Content-Disposition', 'inline')
      .type(found.message.contentType)
      .send(found.message.body);
  });
}
