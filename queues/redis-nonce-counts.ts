/**
 * Digest nonce counts on Redis, so a replayed Authorization header is refused whichever
 * node it reaches. One SET NX per authenticated request; the GET only when the count was
 * used before (a retransmission or a replay).
 */
import type { Redis } from 'ioredis';
import { heraldError } from '../src/errors.js';
import type { NonceCountStore } from '../src/ports/nonce-count-store.port.js';

export class RedisNonceCounts implements NonceCountStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async claim(nonce: string, nc: string, request: string, ttlSeconds: number): Promise<boolean> {
    const key = `${this.prefix}:digest-nc:${nonce}:${nc}`;
    try {
      const set = await this.redis.set(key, request, 'EX', ttlSeconds, 'NX');
      if (set === 'OK') return true;
      return (await this.redis.get(key)) === request;
    } catch (err) {
      throw heraldError('GW_ERR_REDIS_UNREACHABLE', 'digest nonce counts', { cause: err });
    }
  }
}
