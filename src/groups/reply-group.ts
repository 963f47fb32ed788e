/**
 * Reply-to-all (REQ-GROUP-4): an SMS or email reply from a member of a page-mode group,
 * within `groups.replyWindowMinutes` of the group message, goes to the IM sender and,
 * with `groups.replyToAll`, to the other members on their own channels. Pure but for the
 * one lookup passed in.
 */
import type { GroupsConfig } from '../config-content.js';
import { newId } from '../domain/ids.js';
import type { NewDelivery } from '../domain/message.js';
import type { GroupMessage, GroupStore } from '../ports/group-store.port.js';

/** The start of the reply window that ends at `now`. */
export function replyWindowStart(settings: GroupsConfig, now: Date): Date {
  return new Date(now.getTime() - settings.replyWindowMinutes * 60_000);
}

/**
 * The latest group message `memberUri` was a to/cc/bcc member of, within the window; only
 * one sent by `senderUri` when the reply is already known to be for that IM user.
 * @throws GW_ERR_DB_UNREACHABLE
 */
export async function groupOfReply(
  store: GroupStore | undefined,
  settings: GroupsConfig,
  memberUri: string,
  now: Date,
  senderUri?: string,
): Promise<GroupMessage | undefined> {
  if (store === undefined) return undefined;
  return store.latestGroupFor({ memberUri, senderUri, since: replyWindowStart(settings, now) });
}

/**
 * The copies of a reply for the other members: each to/cc member on its own channel,
 * never a bcc one (the replier never learnt of them), never the replier, never an entry
 * that could not be routed. Empty unless `groups.replyToAll`.
 */
export function replyCopies(group: GroupMessage, replierUri: string, settings: GroupsConfig): NewDelivery[] {
  if (!settings.replyToAll) return [];
  const replier = replierUri.toLowerCase();
  return group.deliveries.flatMap((d) =>
    (d.channel === 'sms' || d.channel === 'email') &&
    (d.copyControl === 'to' || d.copyControl === 'cc') &&
    d.targetUri.toLowerCase() !== replier
      ? [{ id: newId(), channel: d.channel, originalRecipientUri: d.originalRecipientUri, targetUri: d.targetUri, copyControl: d.copyControl }]
      : [],
  );
}
