/**
 * `herald token create --name NAME --role admin|viewer`: the way to the first admin
 * token (the API can only create tokens for someone who already has one). The token is
 * printed once on stdout, alone on its line, so scripts can capture it. On the embedded
 * ledger a running gateway owns the folder, so the token is made by that gateway, asked
 * through its admin socket; when it cannot answer, the command refuses in one line.
 */
import type { HeraldConfig } from '../../config.js';
import { isApiRole } from '../../domain/api-role.js';
import { heraldError, isHeraldError } from '../../errors.js';
import { createLedger, pgliteDirectory } from '../../ledger/index.js';
import { folderHolder, folderInUse } from '../../ledger/folder-lock.js';
import type { Logger } from '../../logger.js';
import { createTokenThroughGateway, tokenRequestProblem } from './admin-socket.js';
import { issueApiToken } from './issue-token.js';

export const TOKEN_USAGE = 'herald token create --name NAME --role admin|viewer [--config FILE]';

export interface TokenCommandArgs {
  /** Words after `token`, e.g. ['create']. */
  readonly words: readonly string[];
  readonly flags: Readonly<Record<string, string | undefined>>;
}

/** What the command writes: the secret to stdout, the note to stderr. */
export interface TokenCommandOutput {
  stdout(line: string): void;
  stderr(line: string): void;
}

/**
 * Runs `herald token …`.
 * @throws GW_ERR_CONFIG_INVALID for a missing or bad --name/--role or an unknown
 *   subcommand; GW_ERR_DB_UNREACHABLE
 */
export async function runTokenCommand(args: TokenCommandArgs, config: HeraldConfig, log: Logger, out: TokenCommandOutput): Promise<void> {
  if (args.words[0] !== 'create') throw heraldError('GW_ERR_CONFIG_INVALID', `usage: ${TOKEN_USAGE}`);
  const name = args.flags.name?.trim();
  const role = args.flags.role;
  const problem = tokenRequestProblem(name, role);
  if (problem !== undefined || name === undefined || role === undefined || !isApiRole(role)) throw heraldError('GW_ERR_CONFIG_INVALID', `${problem ?? 'bad request'}; usage: ${TOKEN_USAGE}`);
  if (config.databaseUrl === undefined) {
    const folder = pgliteDirectory(config.dataDir);
    const holder = await folderHolder(folder);
    if (holder !== undefined) {
      const created = await createTokenThroughGateway(config.dataDir, { name, role }).catch((err: unknown) => {
        if (isHeraldError(err, 'GW_ERR_CONFIG_INVALID')) throw err;
        // Not (yet) a gateway answering on its socket: a starting gateway, or a migrate.
        throw folderInUse(folder, holder);
      });
      out.stdout(created.secret);
      out.stderr(`herald: created ${created.role} token "${created.name}" (id ${created.id}) in the running gateway (pid ${holder.pid}); it is shown only now`);
      return;
    }
  }
  // Info lines go to stdout, where the token goes: only warnings may join it.
  const quiet = log.child({ component: 'cli' }, { level: 'warn' });
  const ledger = await createLedger({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1, owner: 'herald token create' }, quiet);
  try {
    // The tokens table comes with a migration: a fresh install may not have run one yet.
    await ledger.migrate();
    const { token, secret } = await issueApiToken(ledger.admin, { name, role, actor: { name: 'cli' } });
    out.stdout(secret);
    out.stderr(`herald: created ${token.role} token "${token.name}" (id ${token.id}); it is shown only now`);
  } finally {
    await ledger.close();
  }
}
