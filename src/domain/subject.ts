/**
 * The one subject rule for everything Herald writes on a message's behalf (the email a
 * recipient gets and the archived copy): the IM's own subject, else the configured
 * template with the sender's name. One rule, so the archive never says `Email to bob@…`
 * while Bob's inbox says `Message from alice` (issue 17).
 */

/** `smtp.subjectTemplate`'s default. */
export const DEFAULT_SUBJECT_TEMPLATE = 'Message from {sender}';

/**
 * A readable name of last resort for a URI: `sip:alice@example.com` → `alice`,
 * `tel:+1555…` → `+1555…`, `mailto:bob@example.org` → `bob@example.org` (an address's
 * local part alone would say too little about who wrote).
 */
export function readableUri(uri: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase() ?? '';
  const rest = uri.slice(scheme === '' ? 0 : scheme.length + 1).split(/[;?]/)[0] ?? '';
  if (scheme === 'mailto') return rest;
  return rest.split('@')[0] ?? rest;
}

/** Who a message is from, by name: the CPIM (or mail) display name, the directory's, else the URI made readable. */
export function senderName(message: { readonly senderUri: string; readonly senderDisplayName?: string | undefined }, directoryName?: string): string {
  for (const name of [message.senderDisplayName, directoryName]) if (name !== undefined && name.trim() !== '') return name;
  return readableUri(message.senderUri);
}

/** The subject of a message: its own, else `template` with `{sender}` replaced by the sender's name. */
export function messageSubject(subject: string | undefined, template: string, sender: string): string {
  return subject !== undefined && subject !== '' ? subject : template.replaceAll('{sender}', sender);
}
