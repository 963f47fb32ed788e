#!/usr/bin/env node
/**
 * The `herald` command: start | migrate | check-config | token create, each taking `--config FILE`.
 *
 * Any failure to start is printed as `herald: …` lines on stderr (one per problem, each
 * naming the setting) and exits 1, so an operator never has to read a stack trace.
 */
import { runTokenCommand } from './api/tokens/token-command.js';
import { loadConfig, type HeraldConfig } from './config.js';
import { isHeraldError } from './errors.js';
import { createLedger } from './ledger/index.js';
import { captureConsole, createLogger } from './logger.js';
import { startGateway } from './main.js';

const USAGE = `usage: herald <command> [--config FILE]

commands:
  start          run the gateway
  migrate        apply database migrations and exit
  check-config   validate the configuration, print it (secrets masked) and exit
  token create --name NAME --role admin|viewer
                 create an API token and print it (shown only this once)`;

interface Args {
  readonly command: string | undefined;
  readonly configFile: string | undefined;
  /** Words after the command (`create` in `herald token create`). */
  readonly words: readonly string[];
  /** Other `--flag value` / `--flag=value` pairs. */
  readonly flags: Readonly<Record<string, string | undefined>>;
}

function parseArgs(argv: readonly string[]): Args {
  let command: string | undefined;
  let configFile: string | undefined;
  const words: string[] = [];
  const flags: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config' || arg === '-c') configFile = argv[++i];
    else if (arg?.startsWith('--config=')) configFile = arg.slice('--config='.length);
    else if (arg === '--help' || arg === '-h') command ??= '--help';
    else if (arg?.startsWith('--') === true && arg.includes('=')) flags[arg.slice(2, arg.indexOf('='))] = arg.slice(arg.indexOf('=') + 1);
    else if (arg?.startsWith('--') === true) flags[arg.slice(2)] = argv[++i];
    else if (command === undefined) command = arg;
    else if (arg !== undefined) words.push(arg);
  }
  return { command, configFile, words, flags };
}

function fail(err: unknown): never {
  if (isHeraldError(err)) {
    for (const line of err.message.split('\n')) process.stderr.write(`herald: ${line}\n`);
  } else {
    process.stderr.write(`herald: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
}

function masked(config: HeraldConfig): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => {
      if (typeof value === 'string' && /password|secret/i.test(key)) return '***';
      if (typeof value === 'string' && /Url$/.test(key)) return value.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
      return value;
    }),
  );
}

async function run(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === undefined || args.command === 'help' || args.command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    if (args.command === undefined) process.exitCode = 2;
    return;
  }
  const config = loadConfig({ file: args.configFile });
  const log = createLogger(config.logLevel, undefined, { maxBufferBytes: config.logBufferBytes, format: config.logFormat });

  switch (args.command) {
    case 'check-config':
      process.stdout.write(`${JSON.stringify(masked(config), null, 2)}\n`);
      return;
    case 'migrate': {
      const ledger = await createLedger(
        { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1, owner: 'herald migrate' },
        log,
      );
      try {
        await ledger.migrate();
        log.info('migrations applied');
      } finally {
        await ledger.close();
      }
      return;
    }
    case 'start': {
      captureConsole(log);
      const gateway = await startGateway(config, log);
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals += 1;
        if (signals > 1) {
          log.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        gateway
          .stop(signal)
          .then(() => {
            log.flush();
            process.exit(0);
          })
          .catch((err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      return;
    }
    case 'token':
      await runTokenCommand(args, config, log, {
        stdout: (line) => process.stdout.write(`${line}\n`),
        stderr: (line) => process.stderr.write(`${line}\n`),
      });
      return;
    default:
      process.stderr.write(`herald: unknown command '${args.command}'\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

run().catch(fail);
