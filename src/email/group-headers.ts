/**
 * To/Cc of a mail for one member of a page-mode group (REQ-GROUP-2), pure. The headers
 * name the other to/cc members that have an email address, each in the field its
 * copyControl says, and the recipient itself in its own field; a bcc (or anonymized)
 * member is never named. A bcc recipient with no one to show sees
 * `undisclosed-recipients:;` (RFC 5322 §3.6.3's group syntax for exactly this).
 *
 * Members reached by SMS have no address a mail header could hold, so when there are any,
 * the text starts with `To:`/`Cc:` lines naming every visible member.
 */
import type { StoredDelivery } from '../domain/message.js';
import { memberLabel } from '../groups/member-line.js';
import type { MailAddress } from '../ports/mail-transport.port.js';

export interface GroupHeaders {
  /** The To header; empty means `undisclosed-recipients:;`. */
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  /** Lines to put before the text, or empty. */
  readonly preamble: readonly string[];
}

function emailOf(uri: string): string | undefined {
  return /^mailto:/i.test(uri) ? uri.slice('mailto:'.length).split('?')[0] : undefined;
}

/**
 * @returns undefined when the message is not a group message (no member has a copyControl).
 */
export function groupHeaders(deliveries: readonly StoredDelivery[], selfId: string, recipient: string): GroupHeaders | undefined {
  if (!deliveries.some((d) => d.copyControl !== undefined)) return undefined;
  const to: MailAddress[] = [];
  const cc: MailAddress[] = [];
  const toLabels: string[] = [];
  const ccLabels: string[] = [];
  let someNotEmail = false;
  for (const d of deliveries) {
    const self = d.id === selfId;
    if (d.copyControl === 'bcc' || d.copyControl === undefined) continue;
    const address = self ? recipient : emailOf(d.targetUri);
    if (address !== undefined) (d.copyControl === 'to' ? to : cc).push({ address });
    if (self) continue;
    if (address === undefined) someNotEmail = true;
    (d.copyControl === 'to' ? toLabels : ccLabels).push(address ?? memberLabel(d.originalRecipientUri));
  }
  const preamble = someNotEmail
    ? [...(toLabels.length > 0 ? [`To: ${toLabels.join(', ')}`] : []), ...(ccLabels.length > 0 ? [`Cc: ${ccLabels.join(', ')}`] : [])]
    : [];
  return { to, cc, preamble };
}
