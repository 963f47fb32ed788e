/**
 * Size limits the MSRP codec applies while reading, each with its reason. They bound what
 * one peer can make Herald hold: nothing is buffered past them.
 */

/**
 * Start line plus header lines. RFC 4975 sets no limit; a SEND from a real client (two
 * paths, Message-ID, Byte-Range, reports, Content-Type) is under 1 KB. 16 KB leaves room
 * for relay chains in the paths (RFC 4976).
 */
export const MAX_MSRP_HEADER_BYTES = 16_384;

/** Header lines of one frame: real ones carry 5–10. */
export const MAX_MSRP_HEADER_LINES = 64;

/**
 * The body of one chunk. RFC 4975 §7.1 asks senders to keep chunks small enough to
 * interrupt (2048 bytes is the common choice); 64 KB accepts every client seen while still
 * bounding the bytes held before the end-line is found.
 */
export const DEFAULT_MAX_CHUNK_BYTES = 65_536;

/** Chunk size Herald sends: small enough that a chat line is never held up behind a large message. */
export const SEND_CHUNK_BYTES = 2_048;

/** Messages being reassembled at once on one session: a peer cannot open thousands. */
export const MAX_OPEN_MESSAGES = 16;
