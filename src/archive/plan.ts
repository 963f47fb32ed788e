/**
 * Everything a message should have in the archive: per copy, the conversation's root mail
 * (when this message's job is the one to append it, see {@link rootKeys}), the message
 * itself and one report per final state and per IMDN on the deliveries it files. Each item has a stable
 * key (account, folder, Message-ID), so what is already archived is skipped by key and
 * nothing is composed twice.
 */
import type { DeliveryEvent, StoredDelivery, StoredMessage } from '../domain/message.js';
import type { ArchiveAccount } from '../ports/archive-mailboxes.port.js';
import type { MsrpSessionRecord } from '../ports/msrp-session-store.port.js';
import { archivedSubject, composeArchivedMessage } from './compose-message.js';
import { composeReport, reportKindOf } from './compose-report.js';
import { composeRoot } from './compose-root.js';
import { archiveMessageId, reportMessageId } from './conversation.js';
import type { ArchiveCopy } from './copies.js';
import { NO_PEOPLE, type People } from './people.js';

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

/** The item keys of the copies' root mails (one per conversation and folder, shared by its messages). */
export function rootKeys(copies: readonly ArchiveCopy[]): string[] {
  return copies.map((copy) => itemKey(copy.account, copy.mailbox, copy.threadRoot));
}

export interface PlanInput {
  readonly message: StoredMessage;
  readonly deliveries: readonly StoredDelivery[];
  readonly events: readonly DeliveryEvent[];
  readonly copies: readonly ArchiveCopy[];
  readonly domain: string;
  readonly subjectTemplate: string;
  /** Root mails (by item key) this message's job appends: the ones the archive store gave it. */
  readonly roots?: ReadonlySet<string> | undefined;
  readonly people?: People | undefined;
  /** The MSRP session the message came in, if any. */
  readonly session?: MsrpSessionRecord | undefined;
}

/** Items in append order: each copy's root (if this job's), then its message, then its reports in timeline order. */
export function planItems(input: PlanInput): ArchiveItem[] {
  const { message, deliveries, events, domain } = input;
  const people = input.people ?? NO_PEOPLE;
  const subject = archivedSubject(message, input.subjectTemplate, people.nameOf);
  const items: ArchiveItem[] = [];
  for (const copy of input.copies) {
    const base = { account: copy.account, mailbox: copy.mailbox };
    const rootKey = itemKey(copy.account, copy.mailbox, copy.threadRoot);
    const conversation = copy.conversations[0];
    if (input.roots?.has(rootKey) === true && conversation !== undefined) {
      items.push({
        ...base,
        itemKey: rootKey,
        rfcMessageId: copy.threadRoot,
        internalDate: message.sentAt,
        compose: () => composeRoot({ conversation, threadRoot: copy.threadRoot, at: message.sentAt, domain, nameOf: people.nameOf }),
      });
    }
    const messageId = archiveMessageId(message.id, domain);
    items.push({
      ...base,
      itemKey: itemKey(copy.account, copy.mailbox, messageId),
      rfcMessageId: messageId,
      internalDate: message.sentAt,
      compose: () =>
        composeArchivedMessage({ message, deliveries, conversations: copy.conversations, threadRoot: copy.threadRoot, domain, subjectTemplate: input.subjectTemplate, nameOf: people.nameOf, session: input.session }),
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
        compose: () => composeReport({ message, event, kind, delivery, user, threadRoot: copy.threadRoot, domain, subject }),
      });
    }
  }
  return items;
}
