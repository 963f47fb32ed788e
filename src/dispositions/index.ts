/**
 * Dispositions: every delivery state change, receipt, DSN and MDN becomes the IMDN the
 * IM sender asked for (rules in src/interworking), kept in the ledger until sent.
 */
export { buildImdnXml, imdnDateTime, type ImdnContent } from './build-imdn.js';
export { createImdnSend, createImdnSendHandler, imdnDestination, imdnRequest, type ImdnSend, type ImdnSendDeps } from './imdn-send.js';
export { IncomingImdnRecorder, type IncomingImdn } from './incoming-imdn.js';
export { InlineImdnSender, INLINE_RETRY_DELAY_MS, type InlineImdnSenderDeps } from './inline-send.js';
export { DispositionService, owesImdns, type DispositionServiceDeps } from './service.js';
export { sweepDispositions, SWEEP_GRACE_MS, type DispositionSweepDeps } from './sweep.js';
export { triggersDispositions, withDispositions, type TransitionListener } from './with-dispositions.js';
