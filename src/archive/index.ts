/**
 * The IMAP archive: every relayed message, both directions and every channel, appended to
 * the enterprise's IMAP store with its dispositions as reports in the same thread, once.
 * No adapter imports: the IMAP store comes in through the ArchiveMailboxes port
 * (src/main.ts wires adapters/imap's implementation).
 */
export { archivedSubject, composeArchivedMessage, messageText, type ArchiveMailInput } from './compose-message.js';
export { composeReport, reportKindOf, type ReportInput, type ReportKind } from './compose-report.js';
export { composeRoot, type RootInput } from './compose-root.js';
export { addressOf, archiveMessageId, canonicalPeer, conversationsOf, reportMessageId, threadRootId, type Conversation } from './conversation.js';
export { copiesFor, userArchived, type ArchiveCopy } from './copies.js';
export { folderSafe, renderFolder, type FolderValues } from './folder.js';
export { archiveRetryMs, createArchiveHandler, type ArchiveHandlerDeps } from './handler.js';
export { lookUpPeople, NO_PEOPLE, type People } from './people.js';
export { itemKey, planItems, rootKeys, type ArchiveItem, type PlanInput } from './plan.js';
export { archiveReadiness, startArchiveService, type ArchiveServiceDeps } from './service.js';
export { archiveSettings, domainOf, type ArchiveSettings } from './settings.js';
export { describeLag, recordLag, sweepArchive } from './sweep.js';
export { archiveEventHook, ArchiveTrigger, archiveJobId, ARCHIVED_EVENT_TYPES, triggersArchive, withArchive } from './trigger.js';
