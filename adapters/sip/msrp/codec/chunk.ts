/**
 * Splits one message into SEND chunks (RFC 4975 §7.1.1): each carries its Byte-Range, all
 * but the last end with `+`, the last with `$`. An empty message is one chunk `1-0/0`.
 */
import type { ContinuationFlag } from './frame.js';
import { SEND_CHUNK_BYTES } from './limits.js';
import type { ByteRange } from './byte-range.js';

export interface Chunk {
  readonly range: ByteRange;
  readonly body: Buffer;
  readonly flag: ContinuationFlag;
}

export function chunksOf(message: Buffer, chunkBytes: number = SEND_CHUNK_BYTES): Chunk[] {
  const size = Math.max(1, Math.floor(chunkBytes));
  if (message.length === 0) return [{ range: { start: 1, end: 0, total: 0 }, body: message, flag: '$' }];
  const chunks: Chunk[] = [];
  for (let offset = 0; offset < message.length; offset += size) {
    const body = message.subarray(offset, offset + size);
    const last = offset + size >= message.length;
    chunks.push({ range: { start: offset + 1, end: offset + body.length, total: message.length }, body, flag: last ? '$' : '+' });
  }
  return chunks;
}
