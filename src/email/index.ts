/**
 * The email channel's core: the `email-send` job, and the processor the IMAP watchers
 * run on DSNs, MDNs and replies. No adapter imports: the SMTP transport and the
 * watchers come in through ports (src/main.ts wires them).
 */
export { mailtoAddress, replyAddressFor, replyTokenIn, addrSpecOf } from './addresses.js';
export { composeMail, dsnNotifyFor, type ComposeInput, type SenderIdentity } from './compose.js';
export { createMailProcessor, reportKeyOf } from './inbound.js';
export type { FarSideReportHook, InboundDeps } from './inbound-deps.js';
export { imapReadiness, smtpReadiness } from './readiness.js';
export { normaliseReplyText } from './reply-relay.js';
export { createEmailSendHandler, type EmailSendDeps } from './send-handler.js';
export { emailSettings, type EmailSettings } from './settings.js';
