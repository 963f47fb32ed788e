/**
 * The HTTP server: liveness, readiness and Prometheus metrics. The admin API registers
 * its plugins on the same instance.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/**
 * Something /readyz asks; resolves when up (optionally with a note shown instead of `up`,
 * e.g. `none configured`), rejects with the reason when not.
 */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void | string>;
}

export interface HttpServerOptions {
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly checks: readonly ReadinessCheck[];
  /** When true, /readyz answers 503 (the process is draining). */
  readonly isShuttingDown: () => boolean;
}

/** What /readyz answers, also offered to the admin API as `app.readiness()`. */
export interface ReadinessReport {
  readonly status: 'ready' | 'not ready' | 'draining';
  /** Per check: `up`, a note (e.g. `none configured`), or `down: <reason>`. */
  readonly checks: Readonly<Record<string, string>>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs every readiness check (each bounded by a timeout); never throws. */
    readiness(): Promise<ReadinessReport>;
  }
}

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<{ name: string; ok: boolean; error?: string; note?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const note = await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return typeof note === 'string' ? { name: check.name, ok: true, note } : { name: check.name, ok: true };
  } catch (err) {
    return { name: check.name, ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: options.log.child({ component: 'http' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.decorate('readiness', async (): Promise<ReadinessReport> => {
    const results = await Promise.all(options.checks.map(runCheck));
    const draining = options.isShuttingDown();
    const ready = !draining && results.every((r) => r.ok);
    const checks = Object.fromEntries(results.map((r) => [r.name, r.ok ? (r.note ?? 'up') : `down: ${r.error ?? ''}`]));
    return { status: ready ? 'ready' : draining ? 'draining' : 'not ready', checks };
  });

  app.get('/readyz', async (_request, reply) => {
    const report = await app.readiness();
    return reply.code(report.status === 'ready' ? 200 : 503).send(report);
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });

  return app;
}
