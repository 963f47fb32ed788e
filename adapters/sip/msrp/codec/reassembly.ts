/**
 * Puts chunks of a message back together by Message-ID and Byte-Range (RFC 4975 §7.1.1,
 * §7.3). Chunks may overlap (a resent range after an interrupted chunk) and arrive out
 * of order across connections; the message is whole once bytes 1..total are all covered
 * and a `$` chunk named the end. `#` aborts it. No I/O: the transport owns one per session.
 */
import { heraldError } from '../../../../src/errors.js';
import type { ByteRange } from './byte-range.js';
import type { ContinuationFlag } from './frame.js';
import { MAX_OPEN_MESSAGES } from './limits.js';

export interface IncomingChunk {
  readonly messageId: string;
  readonly range: ByteRange;
  readonly body: Buffer;
  readonly flag: ContinuationFlag;
}

export type ChunkOutcome =
  | { readonly kind: 'partial' }
  | { readonly kind: 'complete'; readonly message: Buffer }
  | { readonly kind: 'aborted' };

interface Pending {
  readonly pieces: { readonly start: number; readonly data: Buffer }[];
  /** Bytes the message has, once a chunk said (total, or the end of the `$` chunk). */
  size: number | undefined;
  held: number;
}

export class ChunkAssembler {
  readonly #pending = new Map<string, Pending>();
  readonly #maxMessageBytes: number;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  get open(): number {
    return this.#pending.size;
  }

  /**
   * Adds one chunk.
   * @throws GW_ERR_CONTENT_TOO_LARGE when the message would pass the size limit (the
   *   caller answers 413 and the rest of the message is refused, RFC 4975 §7.1.1).
   * @throws GW_ERR_MSRP_MALFORMED when the chunk's body does not match its Byte-Range,
   *   or too many messages are open at once.
   */
  add(chunk: IncomingChunk): ChunkOutcome {
    const { range, body, messageId } = chunk;
    if (chunk.flag === '#') {
      this.#pending.delete(messageId);
      return { kind: 'aborted' };
    }
    if (range.end !== '*' && range.end - range.start + 1 !== body.length) {
      throw heraldError('GW_ERR_MSRP_MALFORMED', 'Byte-Range does not match the chunk body');
    }
    const total = range.total === '*' ? undefined : range.total;
    if ((total ?? 0) > this.#maxMessageBytes || range.start - 1 + body.length > this.#maxMessageBytes) {
      this.#pending.delete(messageId);
      throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `MSRP message over ${this.#maxMessageBytes} bytes`, { meta: { maxBytes: this.#maxMessageBytes } });
    }
    let pending = this.#pending.get(messageId);
    if (pending === undefined) {
      // The common case: one chunk holding the whole message.
      if (chunk.flag === '$' && range.start === 1 && (total === undefined || total === body.length)) return { kind: 'complete', message: body };
      if (this.#pending.size >= MAX_OPEN_MESSAGES) throw heraldError('GW_ERR_MSRP_MALFORMED', `more than ${MAX_OPEN_MESSAGES} messages in progress`);
      pending = { pieces: [], size: undefined, held: 0 };
      this.#pending.set(messageId, pending);
    }
    pending.held += body.length;
    // Overlaps are kept; held bytes are bounded at twice the limit so resends cannot grow it without end.
    if (pending.held > 2 * this.#maxMessageBytes) {
      this.#pending.delete(messageId);
      throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `MSRP message over ${this.#maxMessageBytes} bytes`, { meta: { maxBytes: this.#maxMessageBytes } });
    }
    pending.pieces.push({ start: range.start - 1, data: body });
    if (total !== undefined) pending.size = total;
    else if (chunk.flag === '$') pending.size = range.start - 1 + body.length;
    const whole = assemble(pending);
    if (whole === undefined) return { kind: 'partial' };
    this.#pending.delete(messageId);
    return { kind: 'complete', message: whole };
  }

  /** Forgets a message (its sender gave up, or the session ended). */
  drop(messageId: string): void {
    this.#pending.delete(messageId);
  }
}

/** The message when bytes 0..size-1 are all covered, later pieces winning overlaps; else undefined. */
function assemble(pending: Pending): Buffer | undefined {
  const size = pending.size;
  if (size === undefined) return undefined;
  const sorted = [...pending.pieces].sort((a, b) => a.start - b.start);
  let covered = 0;
  for (const piece of sorted) {
    if (piece.start > covered) return undefined;
    covered = Math.max(covered, piece.start + piece.data.length);
  }
  if (covered < size) return undefined;
  const out = Buffer.alloc(size);
  for (const piece of pending.pieces) piece.data.copy(out, piece.start, 0, Math.max(0, Math.min(piece.data.length, size - piece.start)));
  return out;
}
