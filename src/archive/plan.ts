/**
 * Everything a message should have in the archive: per copy, the message itself and one
 * report per final state and per IMDN on the deliveries it files. Each item has a stable
 * key (account, folder, Message-ID), so what is already archived is skipped by key and
 * nothing is composed twice.
 */
import type { DeliveryEvent, StoredDelivery, StoredMessage } from '../domain/message.js';
import type { ArchiveAccount } from '../ports/archive-mailboxes.port.js';
import { composeArchivedMessage } from './compose-message.js';
import { composeReport, reportKindOf } from './compose-report.js';
import { archiveMessageId, reportMessageId } from './conversation.js';
import type { ArchiveCopy } from './copies.js';

export interface ArchiveItem {
  readonly itemKey: string;
  readonly account: ArchiveAccount;
  readonly mailbox: string;
  readonly rfcMessageId: string;
  readonly internalDate: Date;
  /** Composes the mail (only for items still to append). */
  readonly compose: () => Buffer;
}

/** `account|folder|<id@domain>`: one archived copy. */
export function itemKey(account: ArchiveAccount, mailbox: string, rfcMessageId: string): string {
  return `${account.key}|${mailbox}|${rfcMessageId}`;
}

export interface PlanInput {
  readonly message: StoredMessage;
  readonly deliveries: readonly StoredDelivery[];
  readonly events: readonly DeliveryEvent[];
  readonly copies: readonly ArchiveCopy[];
  readonly domain: string;
}

/** Items in append order: each copy's message before its reports, reports in timeline order. */
export function planItems(input: PlanInput): ArchiveItem[] {
  const { message, deliveries, events, domain } = input;
  const items: ArchiveItem[] = [];
  for (const copy of input.copies) {
    const base = { account: copy.account, mailbox: copy.mailbox };
    const messageId = archiveMessageId(message.id, domain);
    items.push({
      ...base,
      itemKey: itemKey(copy.account, copy.mailbox, messageId),
      rfcMessageId: messageId,
      internalDate: message.sentAt,
      compose: () => composeArchivedMessage({ message, deliveries, conversations: copy.conversations, threadRoot: copy.threadRoot, domain }),
    });
    const filed = new Map(copy.conversations.flatMap((c) => c.deliveries.map((d) => [d.id, c.user] as const)));
    for (const event of events) {
      const kind = reportKindOf(event);
      if (kind === undefined) continue;
      // A report files with its delivery's conversation; one without a delivery with every copy.
      const user = event.deliveryId === undefined ? copy.conversations[0]?.user : filed.get(event.deliveryId);
      if (user === undefined) continue;
      const delivery = deliveries.find((d) => d.id === event.deliveryId);
      const rfcMessageId = reportMessageId(message.id, event.id, domain);
      items.push({
        ...base,
        itemKey: itemKey(copy.account, copy.mailbox, rfcMessageId),
        rfcMessageId,
        internalDate: event.at,
        compose: () => composeReport({ message, event, kind, delivery, user, threadRoot: copy.threadRoot, domain }),
      });
    }
  }
  return items;
}
