/**
 * Where a message is archived: for each conversation whose IM user is archived (global
 * switch, tenant domain, the directory's archive_enabled), the account and folder serving
 * that user. Conversations that land in the same folder of the same account share one copy.
 */
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import type { ArchiveAccount } from '../ports/archive-mailboxes.port.js';
import type { NumberDirectory } from '../ports/ledger.port.js';
import { conversationsOf, threadRootId, type Conversation } from './conversation.js';
import { renderFolder } from './folder.js';
import { domainOf, type ArchiveSettings } from './settings.js';

/** One copy of a message in one folder of one account. */
export interface ArchiveCopy {
  readonly account: ArchiveAccount;
  readonly mailbox: string;
  readonly conversations: readonly Conversation[];
  /** The thread root of the copy's first conversation. */
  readonly threadRoot: string;
}

/**
 * Whether the IM user's messages are archived: their domain must be a configured tenant
 * (when any is), and their directory entry must say so (unlisted users per settings).
 * @throws GW_ERR_DB_UNREACHABLE
 */
export async function userArchived(user: string, settings: ArchiveSettings, directory: Pick<NumberDirectory, 'byImUri'>): Promise<boolean> {
  if (settings.domains.length > 0 && !settings.domains.includes(domainOf(user))) return false;
  const entry = await directory.byImUri(user);
  return entry === undefined ? settings.unlistedUsers : entry.archiveEnabled;
}

/** @throws GW_ERR_DB_UNREACHABLE */
export async function copiesFor(
  message: StoredMessage,
  deliveries: readonly StoredDelivery[],
  settings: ArchiveSettings,
  directory: Pick<NumberDirectory, 'byImUri'>,
): Promise<ArchiveCopy[]> {
  const enabled = new Map<string, boolean>();
  const copies = new Map<string, { account: ArchiveAccount; mailbox: string; conversations: Conversation[]; threadRoot: string }>();
  for (const conversation of conversationsOf(message, deliveries)) {
    const { user, peer } = conversation;
    if (!enabled.has(user)) enabled.set(user, await userArchived(user, settings, directory));
    if (enabled.get(user) !== true) continue;
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
