/**
 * Digest nonce counts on Redis, so a replayed Authorization header is refused whichever
 * node it reaches. One SET NX per authenticated request; the GET only when the count was
 * used before (a retransmission or a replay).
 */
import { randomBytes } from 'node:crypto';
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

  /** SET NX: the first node to start makes the key, every other one reads it. */
  async sharedKey(): Promise<Buffer> {
    const key = `${this.prefix}:digest-nonce-key`;
    try {
      await this.redis.set(key, randomBytes(32).toString('base64'), 'NX');
      const value = await this.redis.get(key);
      if (value === null) throw new Error('digest nonce key vanished');
      return Buffer.from(value, 'base64');
    } catch (err) {
      throw heraldError('GW_ERR_REDIS_UNREACHABLE', 'digest nonce key', { cause: err });
    }
  }
}
