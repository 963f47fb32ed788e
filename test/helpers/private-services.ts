/**
 * A private Redis and a private PostgreSQL per test file, for fault tests that stop and
 * restart them: the shared services on 6379/5432 serve every other test file running in
 * parallel and must never be touched. Each runs on a free loopback port with its data in
 * a temporary folder, keeps that folder across restarts (a restart must find the data
 * again), and is killed when the test process exits, however it exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A service the test can stop and start again on the same port with the same data. */
export interface PrivateService {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Whether it is running now. */
  readonly running: boolean;
  /** Stops it: `graceful` flushes and exits cleanly, `kill` is SIGKILL (a crash). */
  stop(mode?: 'graceful' | 'kill'): Promise<void>;
  /** Starts it again (same port, same data) and waits until it answers. */
  start(): Promise<void>;
  restart(mode?: 'graceful' | 'kill'): Promise<void>;
  /** Stops it for good and removes its data. Idempotent. */
  destroy(): Promise<void>;
}

const children = new Set<ChildProcess>();
/** Data folders of services not destroyed yet: removed too when the process ends early. */
const dataDirs = new Set<string>();
let exitHookInstalled = false;

/** Kills every child still running when the test process ends, even on an uncaught error. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(1);
    });
  }
}

/** A port nothing listens on right now (the kernel's pick, released at once). */
export async function freeTcpPort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function waitUntil(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>, child?: ChildProcess, output?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}): ${output?.() ?? ''}`);
    }
    if (Date.now() > deadline) throw new Error(`${what} not up after ${timeoutMs} ms: ${output?.() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

/**
 * Shared life cycle of a server child: spawn, wait for readiness, stop by signal.
 * `gracefulSignal` is the server's own clean-shutdown signal.
 */
function managed(options: {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly gracefulSignal: NodeJS.Signals;
  readonly spawnChild: () => ChildProcess;
  readonly ready: () => Promise<boolean>;
  readonly startTimeoutMs: number;
}): PrivateService & { readonly firstStart: Promise<void> } {
  installExitHook();
  dataDirs.add(options.dataDir);
  let child: ChildProcess | undefined;
  let output = '';
  let destroyed = false;

  const start = async (): Promise<void> => {
    if (destroyed) throw new Error(`${options.name} destroyed`);
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
    output = '';
    const spawned = options.spawnChild();
    child = spawned;
    children.add(spawned);
    spawned.once('exit', () => children.delete(spawned));
    spawned.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-4000);
    });
    spawned.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-4000);
    });
    await waitUntil(options.name, options.startTimeoutMs, options.ready, spawned, () => output);
  };

  const stop = async (mode: 'graceful' | 'kill' = 'graceful'): Promise<void> => {
    const current = child;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
    current.kill(mode === 'kill' ? 'SIGKILL' : options.gracefulSignal);
    const timer = setTimeout(() => current.kill('SIGKILL'), 15_000);
    await exited(current);
    clearTimeout(timer);
    // The port must be free again before the test relies on "down".
    await waitUntil(`${options.name} port release`, 10_000, async () => !(await canConnect(options.port)));
  };

  return {
    url: options.url,
    port: options.port,
    dataDir: options.dataDir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop,
    start,
    async restart(mode: 'graceful' | 'kill' = 'graceful') {
      await stop(mode);
      await start();
    },
    async destroy() {
      if (destroyed) return;
      await stop('kill');
      destroyed = true;
      rmSync(options.dataDir, { recursive: true, force: true });
      dataDirs.delete(options.dataDir);
    },
    firstStart: start(),
  };
}

/** Resolves once the first start is done; a service that never came up is removed. */
async function firstStarted(service: PrivateService & { readonly firstStart: Promise<void> }): Promise<PrivateService> {
  try {
    await service.firstStart;
  } catch (err) {
    await service.destroy();
    throw err;
  }
  return service;
}

/**
 * A private redis-server on a free port, AOF on (as production runs it), no RDB
 * snapshots. A graceful stop (SIGTERM) writes the AOF out, so a restart loses nothing.
 */
export async function startPrivateRedis(): Promise<PrivateService> {
  const port = await freeTcpPort();
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-fault-redis-'));
  const service = managed({
    name: 'private redis-server',
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir,
    gracefulSignal: 'SIGTERM',
    startTimeoutMs: 15_000,
    spawnChild: () =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dataDir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    ready: async () => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2_000 }).stdout.trim() === 'PONG',
  });
  return firstStarted(service);
}

function postgresBin(tool: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  const version = versions[0];
  if (version === undefined) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  return join('/usr/lib/postgresql', version, 'bin', tool);
}

/** PostgreSQL refuses to run as root: run it as the `postgres` system user then. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) throw new Error('running as root needs a `postgres` system user for the private PostgreSQL');
  return { uid, gid };
}

/**
 * A private PostgreSQL cluster (initdb into a temporary folder, trust auth, user
 * `postgres`) on a free loopback port. A graceful stop is the "fast" shutdown (SIGINT):
 * clients are disconnected, as in a restart for maintenance; `kill` is a crash, after
 * which PostgreSQL recovers from its WAL. fsync is off: the host's durability is not
 * under test, and the suite shares a small machine.
 */
export async function startPrivatePostgres(): Promise<PrivateService> {
  const port = await freeTcpPort();
  const root = mkdtempSync(join(tmpdir(), 'herald-fault-pg-'));
  const dataDir = join(root, 'data');
  const user = postgresUser();
  if (user !== undefined) chownSync(root, user.uid, user.gid);
  const ids = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const init = spawnSync(postgresBin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], {
    encoding: 'utf8',
    timeout: 60_000,
    ...ids,
  });
  if (init.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr}`);
  }
  const service = managed({
    name: 'private PostgreSQL',
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir: root,
    gracefulSignal: 'SIGINT',
    startTimeoutMs: 30_000,
    spawnChild: () =>
      spawn(
        postgresBin('postgres'),
        ['-D', dataDir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=100'],
        { stdio: ['ignore', 'pipe', 'pipe'], ...ids },
      ),
    ready: async () => spawnSync(postgresBin('pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q'], { timeout: 5_000 }).status === 0,
  });
  return firstStarted(service);
}
