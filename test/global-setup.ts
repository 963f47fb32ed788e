/**
 * Runs once before the suite: makes sure the real services the tests talk to are up,
 * starting those that are installed but stopped, and stops with one line naming what is
 * missing otherwise. Builds dist/ when absent (e2e tests run the compiled gateway).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function ok(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

function ensureRedis(missing: string[]): void {
  if (ok('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'])) return;
  if (!has('redis-server')) {
    missing.push('Redis on 127.0.0.1:6379 (apt-get install redis-server)');
    return;
  }
  ok('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']);
  for (let i = 0; i < 50 && !ok('redis-cli', ['-h', '127.0.0.1', 'ping']); i++) spawnSync('sleep', ['0.1']);
  if (!ok('redis-cli', ['-h', '127.0.0.1', 'ping'])) missing.push('Redis on 127.0.0.1:6379 (it did not start)');
}

function ensurePostgres(missing: string[]): void {
  if (process.env.TEST_DATABASE_URL !== undefined) return;
  if (ok('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'])) return;
  if (has('pg_ctlcluster')) {
    const version = spawnSync('sh', ['-c', 'ls /etc/postgresql | head -1'], { encoding: 'utf8' }).stdout.trim();
    ok('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
    if (ok('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'])) return;
  }
  missing.push('PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres (apt-get install postgresql), or set TEST_DATABASE_URL');
}

export default function setup(): void {
  const missing: string[] = [];
  ensureRedis(missing);
  ensurePostgres(missing);
  if (!has('sipp')) missing.push('sipp (apt-get install sip-tester)');
  if (existsSync('test/services/mail/setup.sh') && !process.env.HERALD_TEST_SKIP_MAIL_SETUP) {
    const mail = spawnSync('bash', ['test/services/mail/setup.sh'], { encoding: 'utf8', timeout: 600_000 });
    if (mail.status !== 0) missing.push(`Postfix/Dovecot (test/services/mail/setup.sh failed: ${mail.stderr.trim().split('\n').pop() ?? ''})`);
  }
  if (missing.length > 0) {
    throw new Error(`tests need: ${missing.join('; ')} — or run bash .ci/run, which installs and starts them`);
  }
  if (!existsSync('dist/src/cli.js')) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
