/**
 * Redis is the one service Herald cannot embed. With no REDIS_URL, Herald uses the default
 * local Redis when one answers, else starts a private redis-server (data in the data
 * folder, on a unix socket so it never fights over a port), else stops with one line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { heraldError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import { pingOnce } from './redis-connection.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ResolvedRedis {
  readonly url: string;
  /** Set when Herald started its own redis-server; stop() ends it. */
  readonly child?: ChildProcess | undefined;
  stop(): Promise<void>;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * @throws GW_ERR_REDIS_UNREACHABLE when REDIS_URL is set but does not answer;
 *   GW_ERR_REDIS_MISSING when nothing answers and no redis-server is installed.
 */
export async function resolveRedis(
  redisUrl: string | undefined,
  dataDir: string,
  log: Logger,
  defaultUrl: string = DEFAULT_REDIS_URL,
): Promise<ResolvedRedis> {
  const none = { stop: async () => undefined };
  if (redisUrl !== undefined) {
    try {
      await pingOnce(redisUrl, 3000);
    } catch (err) {
      throw heraldError('GW_ERR_REDIS_UNREACHABLE', `REDIS_URL: no answer from ${redisUrl.replace(/\/\/[^@]*@/, '//***@')} (${(err as Error).message})`, { cause: err });
    }
    return { url: redisUrl, ...none };
  }
  try {
    await pingOnce(defaultUrl, 1000);
    return { url: defaultUrl, ...none };
  } catch {
    // Nothing on the default port: fall through to a private server.
  }
  if (!onPath('redis-server')) {
    throw heraldError(
      'GW_ERR_REDIS_MISSING',
      'set REDIS_URL, or install redis-server (apt-get install redis-server) so Herald can start its own',
    );
  }
  const dir = resolve(join(dataDir, 'redis'));
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'redis.sock');
  const url = `unix://${socket}`;
  try {
    // A private server left by an earlier run (e.g. after kill -9) is reused.
    if (existsSync(socket)) {
      await pingOnce(url, 1000);
      log.info({ redis: url }, 'reusing private redis-server');
      return { url, ...none };
    }
  } catch {
    // Stale socket: the new server replaces it.
  }
  const child = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    try {
      await pingOnce(url, 500);
      log.info({ redis: url, pid: child.pid }, 'started private redis-server');
      return {
        url,
        child,
        stop: async () => {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          await new Promise((done) => child.once('exit', done));
        },
      };
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw heraldError('GW_ERR_REDIS_MISSING', `redis-server did not start in ${dir}; set REDIS_URL to a running Redis`);
}
