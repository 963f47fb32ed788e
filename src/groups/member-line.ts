/**
 * How the members of a page-mode group (RFC 5365) are named to each other (REQ-GROUP-2).
 * Pure. Every recipient learns the other `to` and `cc` recipients, never a `bcc` one:
 * RFC 5364 §4.5 keeps bcc recipients (and anonymized ones, which ingress stores as bcc)
 * out of what the others see. Ingress (the 413 check) and the SMS job build the same line
 * from the same entries in the same order, so what was measured is what is sent.
 */
import type { GroupsConfig } from '../config-content.js';
import type { CopyControl } from '../domain/message.js';

/** One recipient of a group message, as the sender addressed it. */
export interface GroupMember {
  readonly uri: string;
  readonly copyControl?: CopyControl | undefined;
}

/**
 * A short readable label: `tel:+1555…` → `+1555…`, `mailto:bob@x` → `bob@x`,
 * `sip:+1555…@gw;user=phone` → `+1555…`, `sip:bob@x` → `bob@x`.
 */
export function memberLabel(uri: string): string {
  const rest = uri.replace(/^(tel|mailto|sips?):/i, '');
  const bare = rest.split(';')[0] ?? rest;
  const user = bare.split('@')[0] ?? bare;
  return /^\+\d+$/.test(user) ? user : bare;
}

/** True when the message went to a recipient list (every delivery then has a copyControl). */
export function isGroup(members: readonly GroupMember[]): boolean {
  return members.some((member) => member.copyControl !== undefined);
}

/** Labels of the members `self` may see: the other to/cc ones, in list order. */
export function visibleOthers(members: readonly GroupMember[], self: number): string[] {
  return members.flatMap((member, i) =>
    i !== self && (member.copyControl === 'to' || member.copyControl === 'cc') ? [memberLabel(member.uri)] : [],
  );
}

/**
 * The SMS text with the group line (`groups.smsListTemplate`) as its first or last line,
 * per `groups.smsListLine`. `from` names the author of a group reply relayed to the other
 * members (REQ-GROUP-4); it is kept even when the list line is off, since without it the
 * reply would reach them from the gateway's number with no author.
 */
export function smsTextWithList(text: string, others: readonly string[], settings: GroupsConfig, from?: string): string {
  const lines: string[] = [];
  if (from !== undefined) lines.push(`From ${from}`);
  if (settings.smsListLine !== 'off' && others.length > 0) lines.push(settings.smsListTemplate.replace('{list}', others.join(', ')));
  if (lines.length === 0) return text;
  const line = lines.join('; ');
  return settings.smsListLine === 'suffix' ? `${text}\n${line}` : `${line}\n${text}`;
}
