/**
 * The running gateway's local admin door for the embedded ledger: a Unix socket at
 * `<dataDir>/admin.sock` (mode 0600) through which `herald token create` asks the process
 * that owns the PGlite folder to create the token, instead of opening the folder itself
 * (which corrupted it, issue 18). Reaching the socket takes the same file-system rights
 * as reading the ledger folder, so it needs no token of its own.
 */
import { chmod, unlink } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { isApiRole, type ApiRole } from '../../domain/api-role.js';
import { heraldError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { AdminStore } from '../../ports/admin-store.port.js';
import { issueApiToken } from './issue-token.js';

export function adminSocketPath(dataDir: string): string {
  return path.resolve(dataDir, 'admin.sock');
}

export interface TokenRequest {
  readonly name: string;
  readonly role: ApiRole;
}

/** What the socket answers to a token request. */
export interface CreatedToken {
  readonly secret: string;
  readonly id: string;
  readonly name: string;
  readonly role: ApiRole;
}

/** The one check both sides make: a name of 1–100 characters and a known role. */
export function tokenRequestProblem(name: string | undefined, role: string | undefined): string | undefined {
  if (name === undefined || name.trim() === '' || name.trim().length > 100) return '--name is required (1-100 characters)';
  if (role === undefined || !isApiRole(role)) return '--role must be admin or viewer';
  return undefined;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) throw new Error('request too large');
  }
  return text;
}

function answer(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** Listens on the socket; resolves with its stop function. @throws when it cannot listen */
export async function startAdminSocket(dataDir: string, admin: AdminStore, log: Logger): Promise<() => Promise<void>> {
  const socketPath = adminSocketPath(dataDir);
  // This process owns the folder (the ledger lock): a socket file left here is a dead one's.
  await unlink(socketPath).catch(() => undefined);
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/tokens') {
      answer(res, 404, { error: 'POST /tokens only' });
      return;
    }
    body(req)
      .then(async (text) => {
        const parsed = JSON.parse(text) as { name?: unknown; role?: unknown };
        const name = typeof parsed.name === 'string' ? parsed.name : undefined;
        const role = typeof parsed.role === 'string' ? parsed.role : undefined;
        const problem = tokenRequestProblem(name, role);
        if (problem !== undefined || name === undefined || role === undefined || !isApiRole(role)) {
          answer(res, 400, { error: problem });
          return;
        }
        const { token, secret } = await issueApiToken(admin, { name: name.trim(), role, actor: { name: 'cli' } });
        log.info({ tokenId: token.id, role: token.role }, 'API token created through the admin socket');
        answer(res, 201, { secret, id: token.id, name: token.name, role: token.role } satisfies CreatedToken);
      })
      .catch((err: unknown) => {
        log.warn({ err }, 'admin socket request failed');
        answer(res, 500, { error: err instanceof Error ? err.message : String(err) });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

/**
 * Asks the gateway owning `dataDir` to create a token.
 * @throws GW_ERR_DB_UNREACHABLE when nothing answers on the socket (the gateway is still
 *   starting, or is not a gateway); GW_ERR_CONFIG_INVALID for a refused request
 */
export function createTokenThroughGateway(dataDir: string, wanted: TokenRequest): Promise<CreatedToken> {
  const payload = JSON.stringify(wanted);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: adminSocketPath(dataDir), path: '/tokens', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, timeout: 15_000 },
      (res) => {
        body(res).then((text) => {
          const parsed = JSON.parse(text) as Partial<CreatedToken> & { error?: string };
          if (res.statusCode === 201 && typeof parsed.secret === 'string') resolve(parsed as CreatedToken);
          else reject(heraldError('GW_ERR_CONFIG_INVALID', parsed.error ?? `the gateway answered ${String(res.statusCode)}`));
        }, reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', (err) => reject(err));
    req.end(payload);
  });
}
