/**
 * The README's first message, run as written (issue 18, item 4): the shell blocks under
 * "Your first message in five minutes" are read from README.md, not copied here, and run
 * in order from the repository root, the long-running ones (simulator, gateway, Alice)
 * in the background. The only changes are the ones a shared machine needs: the ports the
 * README names (2775, 5070, 8080) become free ones, the gateway's SIP port and data folder
 * come from the environment, and token.txt goes to a temporary folder. The test fails if
 * a step breaks: Alice (sipp) must get her `delivered` IMDN, and the message must be found
 * with its IMDN on its timeline, as the dashboard shows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreeSipPort } from '../../adapters/sip/standalone/free-port.js';
import { waitFor } from '../helpers/wait.js';

const SECTION = '## Your first message in five minutes';

/** The commands of each ```sh block of the section: comments dropped, continuations joined. */
function readmeSteps(): string[][] {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(SECTION);
  expect(start).toBeGreaterThanOrEqual(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + SECTION.length));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map(([, block = '']) =>
    block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

interface Background {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

const started: Background[] = [];

function background(command: string, env: NodeJS.ProcessEnv): Background {
  // Its own process group, so the whole tree (npm, sh, node) is stopped together.
  const child = spawn('bash', ['-c', command], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run = { child, output: () => output, exited };
  started.push(run);
  return run;
}

function foreground(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const run = background(command, env);
  return run.exited.then((code) => ({ code, output: run.output() }));
}

async function stop(run: Background, signal: NodeJS.Signals): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null || run.child.pid === undefined) return;
  process.kill(-run.child.pid, signal);
  const timer = setTimeout(() => run.child.pid !== undefined && process.kill(-run.child.pid, 'SIGKILL'), 20_000);
  await run.exited;
  clearTimeout(timer);
}

describe("the README's first message", () => {
  const work = mkdtempSync(join(tmpdir(), 'herald-readme-'));

  afterAll(async () => {
    // The gateway first (it drains), then the rest.
    for (const run of [...started].reverse()) await stop(run, 'SIGINT');
    for (const file of readdirSync('.').filter((f) => /^alice_\d+_messages\.log$/.test(f))) rmSync(file);
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('gives Alice a delivered IMDN and shows the message with its IMDN', async () => {
    const steps = readmeSteps();
    expect(steps.map((lines) => lines.length)).toEqual([1, 1, 1, 2]);
    const ports = { smsc: await findFreeSipPort('127.0.0.1'), alice: await findFreeSipPort('127.0.0.1'), http: await findFreeSipPort('127.0.0.1'), sip: await findFreeSipPort('127.0.0.1') };
    const onThisMachine = (command: string): string =>
      command
        .replace(/\b2775\b/g, String(ports.smsc))
        .replace(/\b5070\b/g, String(ports.alice))
        .replace(/\b8080\b/g, String(ports.http))
        .replace(/\btoken\.txt\b/g, join(work, 'token.txt'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HERALD_DATA_DIR: join(work, 'data'),
      HERALD_SIP_PORT: String(ports.sip),
      HERALD_HTTP_PORT: String(ports.http),
      HERALD_QUEUES_PREFIX: `readme-${String(process.pid)}`,
    };
    const [[simulator = ''] = [], [gateway = ''] = [], [alice = ''] = [], send = []] = steps;

    const sim = background(onThisMachine(simulator), env);
    await waitFor(async () => (sim.output().includes('SMSC simulator listening') ? true : undefined), 240_000, `the simulator: ${sim.output()}`);
    const gw = background(onThisMachine(gateway), env);
    const http = `http://127.0.0.1:${String(ports.http)}`;
    await waitFor(
      async () => {
        const ready = await fetch(`${http}/readyz`).catch(() => undefined);
        const checks = ready === undefined ? undefined : ((await ready.json()) as { checks?: Record<string, string> }).checks;
        return checks?.smpp === 'up' ? true : undefined;
      },
      240_000,
      `the gateway bound to the simulator: ${gw.output()}`,
    );
    const sipp = background(onThisMachine(alice), env);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const sent = await foreground(send.map(onThisMachine).join('\n'), env);
    expect(sent.output).toMatch(/"messageId":"[0-9a-f-]+"/);
    expect(sent.code).toBe(0);

    // sipp exits 0 only when its one call succeeded: the IMDN came and said <delivered/>.
    const timeout = setTimeout(() => sipp.child.pid !== undefined && process.kill(-sipp.child.pid, 'SIGKILL'), 60_000);
    expect(await sipp.exited).toBe(0);
    clearTimeout(timeout);

    const token = readFileSync(join(work, 'token.txt'), 'utf8').trim();
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${http}/dashboard/`)).status).toBe(200);
    const found = (await (await fetch(`${http}/api/v1/messages?recipient=%2B15551234567`, { headers: auth })).json()) as { items: { id: string }[] };
    expect(found.items).toHaveLength(1);
    const message = (await (await fetch(`${http}/api/v1/messages/${found.items[0]?.id ?? ''}`, { headers: auth })).json()) as {
      deliveries: { state: string }[];
      events: { type: string }[];
    };
    expect(message.deliveries.map((d) => d.state)).toEqual(['delivered']);
    expect(message.events.map((e) => e.type)).toContain('imdn-sent');
  }, 600_000);
});
