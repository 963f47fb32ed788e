/**
 * One owner of the embedded ledger (issue 18, item 1): `herald token create` against a
 * running gateway on PGlite used to open the same folder from a second process, which
 * corrupted it (the printed token got 401, audit rows went missing). Now the gateway owns
 * the folder; admin commands go through it or refuse with one line.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI without blocking the event loop (the gateway answers meanwhile). */
function herald(args: readonly string[], dataDir: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/src/cli.js', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', HERALD_DATA_DIR: dataDir, HERALD_HTTP_PORT: '0', HERALD_SIP_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function messagesStatus(gateway: GatewayProcess, token: string): Promise<number> {
  return (await fetch(`${gateway.httpUrl}/api/v1/messages`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('the embedded ledger with a gateway running', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess();
  }, 90_000);

  afterAll(async () => {
    await gateway.stop('SIGTERM');
  });

  it('says in its start line which Redis it chose and why', () => {
    const started = gateway.logs.find((line) => line.msg === 'herald started');
    expect(started?.redis).toMatch(/^redis:\/\/127\.0\.0\.1:6379 \(the local Redis, now recorded in .*redis\.json\)$/);
  });

  it('creates tokens through the gateway: each works at once and each is audited', async () => {
    const first = await herald(['token', 'create', '--name', 'first', '--role', 'admin'], gateway.dataDir);
    expect(first.stderr).toContain('created admin token "first"');
    expect(first.status).toBe(0);
    const token = first.stdout.trim();
    expect(token).toMatch(/^hrld_/);
    expect(await messagesStatus(gateway, token)).toBe(200);

    const second = await herald(['token', 'create', '--name', 'second', '--role', 'viewer'], gateway.dataDir);
    expect(second.status).toBe(0);
    expect(await messagesStatus(gateway, second.stdout.trim())).toBe(200);

    const audit = await fetch(`${gateway.httpUrl}/api/v1/audit`, { headers: { authorization: `Bearer ${token}` } });
    const events = ((await audit.json()) as { items: { action: string }[] }).items.filter((e) => e.action === 'token.create');
    expect(events).toHaveLength(2);
  }, 120_000);

  it('refuses `herald migrate` with one line naming the process that owns the folder', async () => {
    const run = await herald(['migrate'], gateway.dataDir);
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^herald: .*in use by herald \(pid \d+/);
  }, 60_000);

  it('refuses a second `herald start` on the same folder, and the first keeps serving', async () => {
    const run = await herald(['start'], gateway.dataDir);
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^herald: .*in use by herald \(pid \d+/);
    expect((await fetch(`${gateway.httpUrl}/readyz`)).status).toBe(200);
  }, 60_000);
});
