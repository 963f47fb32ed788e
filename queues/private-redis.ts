/**
 * Redis is the one service Herald cannot embed. With no REDIS_URL, Herald uses the default
 * local Redis when one answers, else starts a private redis-server (data in the data
 * folder, on a unix socket so it never fights over a port), else stops with one line.
 *
 * The choice is made once per data folder and written to `<dataDir>/redis.json`: jobs
 * queued in one Redis are invisible to the other, so a start that switched (one slow
 * probe of the local Redis was enough, issue 18) stranded them. Later starts use the
 * recorded Redis or stop with one line saying why. The private redis-server runs in its
 * own process group, so a Ctrl-C meant for Herald does not stop it before Herald drains.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { heraldError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import { pingOnce } from './redis-connection.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** How often, and how patiently, the local Redis is asked before it counts as absent. */
const PROBES = 3;
const PROBE_TIMEOUT_MS = 2000;
/** How long a private redis-server may take to stop before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

export interface ResolvedRedis {
  readonly url: string;
  /** Which Redis and why, for the start line. */
  readonly description: string;
  /** Set when Herald started its own redis-server; stop() ends it. */
  readonly child?: ChildProcess | undefined;
  stop(): Promise<void>;
}

/** What a data folder's first start chose. */
type RedisChoice = { readonly choice: 'local'; readonly url: string } | { readonly choice: 'private' };

export function choiceFile(dataDir: string): string {
  return resolve(join(dataDir, 'redis.json'));
}

function readChoice(dataDir: string): RedisChoice | undefined {
  let text: string;
  try {
    text = readFileSync(choiceFile(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as Partial<{ choice: string; url: string }>;
  if (parsed.choice === 'private') return { choice: 'private' };
  if (parsed.choice === 'local' && typeof parsed.url === 'string') return { choice: 'local', url: parsed.url };
  throw heraldError('GW_ERR_REDIS_MISSING', `${choiceFile(dataDir)} is not a Redis choice Herald wrote; delete it to choose again`);
}

function writeChoice(dataDir: string, choice: RedisChoice): void {
  mkdirSync(resolve(dataDir), { recursive: true });
  writeFileSync(choiceFile(dataDir), `${JSON.stringify(choice)}\n`);
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Pings up to PROBES times; a refused connection (nothing listens) ends it at once. */
async function patientPing(url: string): Promise<Error | undefined> {
  let last: Error | undefined;
  for (let i = 0; i < PROBES; i++) {
    try {
      await pingOnce(url, PROBE_TIMEOUT_MS);
      return undefined;
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
      if (/ECONNREFUSED|ENOENT/.test(last.message)) return last;
    }
  }
  return last;
}

/**
 * @throws GW_ERR_REDIS_UNREACHABLE when REDIS_URL is set, or the local Redis was recorded,
 *   and it does not answer; GW_ERR_REDIS_MISSING when nothing answers and no
 *   redis-server is installed.
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
    return { url: redisUrl, description: `${redisUrl.replace(/\/\/[^@]*@/, '//***@')} (REDIS_URL)`, ...none };
  }
  const recorded = readChoice(dataDir);
  if (recorded?.choice === 'local') {
    const failure = await patientPing(recorded.url);
    if (failure !== undefined) {
      throw heraldError(
        'GW_ERR_REDIS_UNREACHABLE',
        `the local Redis ${recorded.url}, chosen at this data folder's first start (${choiceFile(dataDir)}), does not answer (${failure.message}); start it, set REDIS_URL, or delete that file to choose again`,
        { cause: failure },
      );
    }
    return { url: recorded.url, description: `${recorded.url} (the local Redis, recorded in ${choiceFile(dataDir)})`, ...none };
  }
  if (recorded === undefined && (await patientPing(defaultUrl)) === undefined) {
    writeChoice(dataDir, { choice: 'local', url: defaultUrl });
    return { url: defaultUrl, description: `${defaultUrl} (the local Redis, now recorded in ${choiceFile(dataDir)})`, ...none };
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
      writeChoice(dataDir, { choice: 'private' });
      return { url, description: `${url} (a private redis-server left running by an earlier start)`, ...none };
    }
  } catch {
    // Stale socket: the new server replaces it.
  }
  const child = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    // Its own process group: a Ctrl-C (SIGINT to the terminal's foreground group) must
    // reach Herald alone, which stops this server last, after draining.
    { stdio: 'ignore', detached: true },
  );
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    try {
      await pingOnce(url, 500);
      log.info({ redis: url, pid: child.pid }, 'started private redis-server');
      writeChoice(dataDir, { choice: 'private' });
      return {
        url,
        description: `${url} (a private redis-server, pid ${String(child.pid)}, recorded in ${choiceFile(dataDir)})`,
        child,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((done) => child.once('exit', done));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        },
      };
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw heraldError('GW_ERR_REDIS_MISSING', `redis-server did not start in ${dir}; set REDIS_URL to a running Redis`);
}
