/**
 * Size limits the SIP edges apply before a message is parsed, each with its reason. They
 * bound the work one message can cost: nothing is parsed (no line split, no header map)
 * until the bytes are known to be within them.
 */

/**
 * Largest header section (start line, header lines and the blank line). RFC 3261 sets no
 * limit; a page-mode MESSAGE from a real client is under 2 KB, the RFC 4475 "longreq"
 * torture message about 4 KB. 16 KB leaves room for long Via/Record-Route chains.
 */
export const MAX_HEADER_SECTION_BYTES = 16_384;

/** Header lines (folded continuation lines counted too): real MESSAGEs carry 10–30. */
export const MAX_HEADER_LINES = 128;

/** One physical line; the longest legitimate ones are Via/Route/Authorization values. */
export const MAX_LINE_BYTES = 8_192;

/** The largest UDP payload over IPv4 (65,535 − 8 − 20); nothing bigger can arrive. */
export const MAX_DATAGRAM_BYTES = 65_507;

/** RFC 3261 §8.1.1.5: a CSeq sequence number is below 2^31. */
export const MAX_CSEQ = 2 ** 31 - 1;

/** Max-Forwards is 0–255 in practice (RFC 3261 §20.22 suggests 70). */
export const MAX_MAX_FORWARDS = 255;
