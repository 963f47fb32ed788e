/**
 * Runs the compiled gateway (`node dist/src/cli.js start`) as a real process for e2e
 * tests, with its own ports, data folder and database, and collects its log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreeSipPort } from '../../adapters/sip/standalone/free-port.js';

const freePort = (): Promise<number> => findFreeSipPort('127.0.0.1');

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly sipPort: number;
  readonly dataDir: string;
  /** Parsed JSON log lines so far. */
  readonly logs: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process ends. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` and waits for exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface GatewayOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly dataDir?: string;
  readonly sipPort?: number;
  /** Wait for /healthz before resolving. @defaultValue true */
  readonly waitReady?: boolean;
}

/**
 * The `herald started` line tells where the gateway really listens (ports 0 resolved); with
 * the drachtio edge it names no SIP port (drachtio-server owns it) and sipPort is 0.
 */
function startedAddresses(logs: readonly Record<string, unknown>[]): { http: string; sipPort: number } | undefined {
  const line = logs.find((l) => l.msg === 'herald started');
  if (line === undefined || typeof line.http !== 'string') return undefined;
  if (typeof line.sip !== 'string') return typeof line.drachtio === 'string' ? { http: line.http, sipPort: 0 } : undefined;
  return { http: line.http, sipPort: Number(line.sip.slice(line.sip.lastIndexOf(':') + 1)) };
}

export async function startGatewayProcess(options: GatewayOptions = {}): Promise<GatewayProcess> {
  // Port 0 lets the gateway bind whatever is free: picking a port here and passing it on
  // races with every other test process on a busy machine (EADDRINUSE).
  const waitReady = options.waitReady ?? true;
  const sipPort = options.sipPort ?? (waitReady ? 0 : await freePort());
  const httpPort = waitReady ? 0 : await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'herald-e2e-'));
  const child = spawn(process.execPath, ['dist/src/cli.js', 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      HERALD_DATA_DIR: dataDir,
      HERALD_SIP_PORT: String(sipPort),
      HERALD_HTTP_PORT: String(httpPort),
      HERALD_LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  if (!waitReady) {
    return { child, httpUrl: `http://127.0.0.1:${httpPort}`, sipPort, dataDir, logs, stderr: () => stderr, exited, stop };
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}: ${stderr}`);
    const started = startedAddresses(logs);
    if (started !== undefined) {
      const httpUrl = started.http.replace('://0.0.0.0:', '://127.0.0.1:');
      const res = await fetch(`${httpUrl}/healthz`).catch(() => undefined);
      if (res?.ok === true) return { child, httpUrl, sipPort: started.sipPort, dataDir, logs, stderr: () => stderr, exited, stop };
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway did not become healthy: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
