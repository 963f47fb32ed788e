/**
 * Where a message is archived: for each conversation whose IM user is archived (global
 * switch, tenant domain, the directory's archive_enabled), the account and folder serving
 * that user. Conversations that land in the same folder of the same account share one copy.
 */
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import type { ArchiveAccount } from '../ports/archive-mailboxes.port.js';
import { conversationsOf, threadRootId, type Conversation } from './conversation.js';
import { renderFolder } from './folder.js';
import type { People } from './people.js';
import { domainOf, type ArchiveSettings } from './settings.js';

/** One copy of a message in one folder of one account. */
export interface ArchiveCopy {
  readonly account: ArchiveAccount;
  readonly mailbox: string;
  readonly conversations: readonly Conversation[];
  /** The thread root of the copy's first conversation: the Message-ID of its root mail in this folder. */
  readonly threadRoot: string;
}

/**
 * Whether the IM user's messages are archived: their domain must be a configured tenant
 * (when any is), and their directory entry must say so (unlisted users per settings).
 */
export function userArchived(user: string, settings: ArchiveSettings, people: Pick<People, 'entryOf'>): boolean {
  if (settings.domains.length > 0 && !settings.domains.includes(domainOf(user))) return false;
  const entry = people.entryOf(user);
  return entry === undefined ? settings.unlistedUsers : entry.archiveEnabled;
}

/**
 * The copies of a message: one per (account, folder), conversations filed by person
 * (`people`, from the directory), so every spelling and every address of one peer lands
 * in one folder and one thread.
 */
export function copiesFor(message: StoredMessage, deliveries: readonly StoredDelivery[], settings: ArchiveSettings, people: Pick<People, 'entryOf' | 'personOf'>): ArchiveCopy[] {
  const copies = new Map<string, { account: ArchiveAccount; mailbox: string; conversations: Conversation[]; threadRoot: string }>();
  for (const conversation of conversationsOf(message, deliveries, people.personOf)) {
    const { user, peer } = conversation;
    if (!userArchived(user, settings, people)) continue;
    const served = settings.accountFor(user);
    if (served === undefined) continue;
    const channel = message.direction === 'mo' ? message.sourceChannel : (conversation.deliveries[0]?.channel ?? 'sip');
    const mailbox = renderFolder(served.folder, { user, peer, channel, direction: message.direction, at: message.sentAt });
    const key = `${served.account.key}\u0000${mailbox}`;
    const copy = copies.get(key);
    if (copy === undefined) {
      copies.set(key, { account: served.account, mailbox, conversations: [conversation], threadRoot: threadRootId(user, peer, settings.messageIdDomain) });
    } else copy.conversations.push(conversation);
  }
  return [...copies.values()];
}
