/**
 * Runs sipp (Debian package sip-tester) as a child process for integration and e2e tests.
 * Every run gets its own temp folder for the message trace, log actions and errors, a hard
 * timeout, and a kill() for afterEach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreeSipPort } from '../../adapters/sip/standalone/free-port.js';

export const SIPP_FIXTURES = resolve(import.meta.dirname, '../fixtures/sipp');

export type SippTransport = 'udp' | 'tcp';

export interface SippOptions {
  /** Scenario file name under test/fixtures/sipp, or an absolute path. */
  readonly scenario: string;
  /** host:port sipp sends to (UAC); omit for a UAS. */
  readonly remote?: string | undefined;
  readonly transport?: SippTransport | undefined;
  readonly localHost?: string | undefined;
  /** Port sipp listens on; a free one is picked when omitted (sipp's own default is 5060). */
  readonly localPort?: number | undefined;
  /** Global variables for the scenario (`-set name value`). */
  readonly vars?: Readonly<Record<string, string>> | undefined;
  /** Calls to run before exiting (`-m`), default 1. */
  readonly calls?: number | undefined;
  /** Kill sipp after this long; default 20 s. */
  readonly timeoutMs?: number | undefined;
  readonly extraArgs?: readonly string[] | undefined;
}

export interface SippResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Sent and received messages (-trace_msg). */
  readonly messages: string;
  /** Output of the scenario's <log> actions (-trace_logs). */
  readonly logs: string;
  readonly errors: string;
  readonly dir: string;
}

export interface SippRun {
  /** The port sipp listens on. */
  readonly port: number;
  readonly done: Promise<SippResult>;
  /** Resolves once sipp has bound its port (a short grace period after spawn). */
  readonly started: Promise<void>;
  kill(): void;
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

export async function runSipp(options: SippOptions): Promise<SippRun> {
  const port = options.localPort ?? (await findFreeSipPort(options.localHost ?? '127.0.0.1'));
  const dir = mkdtempSync(join(tmpdir(), 'herald-sipp-'));
  const scenario = options.scenario.startsWith('/') ? options.scenario : join(SIPP_FIXTURES, options.scenario);
  const args = [
    '-sf', scenario,
    '-t', options.transport === 'tcp' ? 't1' : 'u1',
    '-i', options.localHost ?? '127.0.0.1',
    '-m', String(options.calls ?? 1),
    '-nostdin',
    '-trace_msg', '-message_file', join(dir, 'messages.log'),
    '-trace_logs', '-log_file', join(dir, 'logs.log'),
    '-trace_err', '-error_file', join(dir, 'errors.log'),
    '-timeout', `${Math.ceil((options.timeoutMs ?? 20_000) / 1000)}s`, '-timeout_error',
  ];
  args.push('-p', String(port));
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('-set', name, value);
  args.push(...(options.extraArgs ?? []));
  if (options.remote !== undefined) args.push(options.remote);

  const child: ChildProcess = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
  const killTimer = setTimeout(() => child.kill('SIGKILL'), (options.timeoutMs ?? 20_000) + 5_000);

  const done = new Promise<SippResult>((resolveDone) => {
    child.once('close', (exitCode, signal) => {
      clearTimeout(killTimer);
      resolveDone({
        exitCode,
        signal,
        stdout,
        stderr,
        messages: readIfExists(join(dir, 'messages.log')),
        logs: readIfExists(join(dir, 'logs.log')),
        errors: readIfExists(join(dir, 'errors.log')),
        dir,
      });
    });
  });
  const started = new Promise<void>((r) => setTimeout(r, 300));
  return {
    port,
    done,
    started,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The final status the uac-message scenario logged, if any. */
export function finalStatusOf(result: SippResult): number | undefined {
  const match = /final-status=(\d{3})/.exec(result.logs);
  return match ? Number(match[1]) : undefined;
}
