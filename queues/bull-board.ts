/**
 * Bull Board (the BullMQ job browser) for admins, at /admin/queues by default. It lives
 * in queues/ because it needs the BullMQ queues themselves; authentication is the
 * caller's: mount it inside the admin API's protected scope (src/main.ts does).
 *
 * The board's own client sends state-changing calls (retry, clean, pause) with axios,
 * which echoes a readable `XSRF-TOKEN` cookie in `X-XSRF-TOKEN` on same-origin requests.
 * Serving the page copies the session's CSRF token into that cookie, and the protected
 * scope takes that header as its CSRF header: the same secret under the names axios knows.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { JOB_NAMES } from '../src/domain/jobs.js';
import type { BullmqJobQueue } from './job-queue.js';

export const BULL_BOARD_PATH = '/admin/queues';

/** The API's CSRF cookie (src/api/auth/cookies.ts), and the cookie axios reads. */
const HERALD_CSRF_COOKIE = 'herald_csrf';
const AXIOS_XSRF_COOKIE = 'XSRF-TOKEN';

export interface BullBoardOptions {
  /** @defaultValue {@link BULL_BOARD_PATH} */
  readonly basePath?: string | undefined;
  /** Where the board's "back" link goes. @defaultValue '/dashboard/' */
  readonly dashboardPath?: string | undefined;
}

/** Parses one cookie out of a Cookie header (the scope's cookie plugin may not be ours). */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/**
 * Registers Bull Board with every Herald queue on `app` (a scope that already
 * authenticates). Call before `listen`.
 * @throws whatever fastify throws registering routes (a path clash)
 */
export async function registerBullBoard(app: FastifyInstance, jobs: BullmqJobQueue, options: BullBoardOptions = {}): Promise<void> {
  const basePath = options.basePath ?? BULL_BOARD_PATH;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: JOB_NAMES.map((name) => new BullMQAdapter(jobs.queue(name))),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'Herald queues',
        // No link out of the gateway: the board is used on private networks.
        hideDocsLink: true,
        miscLinks: [{ text: 'Dashboard', url: options.dashboardPath ?? '/dashboard/' }],
      },
    },
  });

  await app.register(async (board) => {
    board.addHook('onSend', async (request, reply, payload) => {
      const csrf = cookieValue(request.headers.cookie, HERALD_CSRF_COOKIE);
      const isPage = request.method === 'GET' && String(reply.getHeader('content-type') ?? '').startsWith('text/html');
      if (isPage && csrf !== undefined && csrf !== '') {
        void reply.header('set-cookie', `${AXIOS_XSRF_COOKIE}=${encodeURIComponent(csrf)}; Path=${basePath}; SameSite=Strict`);
      }
      return payload;
    });
    await board.register(serverAdapter.registerPlugin(), { prefix: basePath });
  });
}
