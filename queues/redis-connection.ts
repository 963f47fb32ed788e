/**
 * Redis connections for BullMQ. Accepts redis://, rediss:// and unix:///path URLs (the
 * private redis-server Herald starts listens on a unix socket in the data folder).
 */
import { Redis, type RedisOptions } from 'ioredis';

export function redisOptionsFromUrl(url: string): RedisOptions {
  // BullMQ requires maxRetriesPerRequest: null so blocking commands survive reconnects.
  const base: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (url.startsWith('unix://')) return { ...base, path: url.slice('unix://'.length) };
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    ...base,
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db: Number.isFinite(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis({ ...redisOptionsFromUrl(url), ...extra });
}

/** Resolves when a PING succeeds within `timeoutMs`; rejects otherwise. Never retries. */
export async function pingOnce(url: string, timeoutMs: number): Promise<void> {
  const client = createRedis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}
