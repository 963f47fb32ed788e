/**
 * The interworking rules: how far-side reports (SMPP receipts, DSNs, MDNs) and delivery
 * states become the IMDNs (RFC 5438, OMA CPM) an IM sender asked for. Pure tables.
 */
export * from './delivery-dispositions.js';
export * from './dsn-to-imdn.js';
export * from './mdn-to-imdn.js';
export * from './request-tokens.js';
export * from './smpp-error-codes.js';
export * from './smpp-receipt-to-imdn.js';
