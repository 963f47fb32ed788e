import { MAX_HEADER_SECTION_BYTES } from '../shared/limits.js';
import { headerValues, parseHead, type HeadResult, type WireHeader } from '../shared/wire-parser.js';

export type FrameEvent =
  /** One whole message: its parsed header section and exactly Content-Length body bytes. */
  | { readonly kind: 'message'; readonly head: HeadResult; readonly body: Buffer }
  /** The stream cannot be framed past this point: answer (when `headers` allow) and close. */
  | { readonly kind: 'refuse'; readonly status: number; readonly detail: string; readonly headers: readonly WireHeader[] };

const CR = 13;
const LF = 10;

/**
 * Splits a SIP byte stream (TCP) into messages by the blank line and Content-Length
 * (RFC 3261 §18.3). Linear: each byte of a header section is looked at once as it arrives
 * (a small state machine finds CRLFCRLF across chunk boundaries), and chunks are joined
 * once per message, never re-scanned as the buffer grows. Limits apply before parsing:
 * a header section over MAX_HEADER_SECTION_BYTES or a body over `maxBodyBytes` ends the
 * stream with an answer instead of buffering it.
 */
export class StreamFramer {
  readonly #maxBodyBytes: number;
  #chunks: Buffer[] = [];
  #length = 0;
  /** How many bytes of CR LF CR LF have matched at the end of what was scanned. */
  #match = 0;
  /** Body bytes wanted after the header section; undefined while reading a header section. */
  #bodyWanted: number | undefined;
  #head: HeadResult | undefined;
  #closed = false;

  constructor(maxBodyBytes: number) {
    this.#maxBodyBytes = maxBodyBytes;
  }

  /** True between the first byte of a message and its last: the header deadline runs. */
  get midMessage(): boolean {
    return this.#length > 0 || this.#bodyWanted !== undefined;
  }

  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let rest = chunk;
    while (rest.length > 0 && !this.#closed) {
      rest = this.#bodyWanted === undefined ? this.#scanHead(rest, events) : this.#takeBody(rest, events);
    }
    return events;
  }

  #refuse(events: FrameEvent[], status: number, detail: string, headers: readonly WireHeader[]): Buffer {
    this.#closed = true;
    this.#chunks = [];
    events.push({ kind: 'refuse', status, detail, headers });
    return Buffer.alloc(0);
  }

  #scanHead(chunk: Buffer, events: FrameEvent[]): Buffer {
    let i = 0;
    // RFC 3261 §7.5 / RFC 5626 §3.5.1: CRLFs between messages are keep-alives, not a message.
    if (this.#length === 0) while (i < chunk.length && (chunk[i] === CR || chunk[i] === LF)) i++;
    const start = i;
    for (; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === (this.#match % 2 === 0 ? CR : LF)) this.#match++;
      else this.#match = byte === CR ? 1 : 0;
      if (this.#match === 4) break;
    }
    if (this.#match !== 4) {
      this.#chunks.push(chunk.subarray(start));
      this.#length += chunk.length - start;
      if (this.#length > MAX_HEADER_SECTION_BYTES + 4) {
        return this.#refuse(events, 513, `header section over ${MAX_HEADER_SECTION_BYTES} bytes`, []);
      }
      return Buffer.alloc(0);
    }
    this.#chunks.push(chunk.subarray(start, i + 1));
    const all = Buffer.concat(this.#chunks, this.#length + i + 1 - start);
    this.#chunks = [];
    this.#length = 0;
    this.#match = 0;
    if (all.length > MAX_HEADER_SECTION_BYTES + 4) {
      return this.#refuse(events, 513, `header section over ${MAX_HEADER_SECTION_BYTES} bytes`, []);
    }
    const head = parseHead(all.subarray(0, all.length - 4));
    if (head.kind === 'invalid') return this.#refuse(events, head.status, head.detail, head.headers);
    const lengths = headerValues(head.headers, 'content-length');
    if (lengths.length === 0) {
      return this.#refuse(events, 400, 'Content-Length is required over a stream transport (RFC 3261 §18.3)', head.headers);
    }
    if (lengths.length > 1) return this.#refuse(events, 400, 'more than one content-length header', head.headers);
    const declared = lengths[0] ?? '';
    if (!/^\d{1,10}$/.test(declared)) return this.#refuse(events, 400, 'malformed Content-Length', head.headers);
    if (Number(declared) > this.#maxBodyBytes) {
      return this.#refuse(events, 413, `body of ${declared} bytes over the limit of ${this.#maxBodyBytes}`, head.headers);
    }
    if (Number(declared) === 0) events.push({ kind: 'message', head, body: Buffer.alloc(0) });
    else {
      this.#head = head;
      this.#bodyWanted = Number(declared);
    }
    return chunk.subarray(i + 1);
  }

  #takeBody(chunk: Buffer, events: FrameEvent[]): Buffer {
    const wanted = this.#bodyWanted ?? 0;
    const take = Math.min(wanted - this.#length, chunk.length);
    this.#chunks.push(chunk.subarray(0, take));
    this.#length += take;
    if (this.#length === wanted && this.#head !== undefined) {
      events.push({ kind: 'message', head: this.#head, body: Buffer.concat(this.#chunks, wanted) });
      this.#chunks = [];
      this.#length = 0;
      this.#bodyWanted = undefined;
      this.#head = undefined;
    }
    return chunk.subarray(take);
  }
}
