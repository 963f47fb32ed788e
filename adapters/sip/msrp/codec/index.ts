/** The MSRP codec: pure functions over bytes (RFC 4975, RFC 6135 SDP). */
export * from './byte-range.js';
export * from './chunk.js';
export * from './fingerprint.js';
export * from './frame.js';
export * from './limits.js';
export * from './msrp-uri.js';
export * from './parse-frame.js';
export * from './reassembly.js';
export * from './reports.js';
export * from './sdp.js';
export * from './serialize-frame.js';
