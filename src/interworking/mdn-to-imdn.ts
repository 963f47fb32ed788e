/**
 * RFC 8098 MDN disposition → IMDN display-notification. MDNs are optional and may never
 * come; only `displayed` says the person saw the message.
 */
import type { ImdnDisplayStatus } from '../codecs/imdn.js';
import type { MdnDispositionType } from '../codecs/mdn.js';

export interface MdnRule {
  /** The display-notification status; undefined: no IMDN, only a timeline event. */
  readonly display?: ImdnDisplayStatus | undefined;
  readonly why: string;
}

/**
 * | Disposition | IMDN                           | why |
 * |-------------|--------------------------------|-----|
 * | displayed   | display-notification displayed | the reader's client showed it |
 * | deleted     | none (event)                   | deleted, maybe unread: RFC 5438 has no status for it |
 * | dispatched  | none (event)                   | forwarded or printed, not proof of reading |
 * | processed   | none (event)                   | handled by an agent, not a person |
 * | denied      | display-notification forbidden | the reader refused to confirm (RFC 3798): RFC 5438's `forbidden` says exactly that |
 *
 * A `deleted` (a Sieve reject, a client rule) usually comes after the delivery DSN has
 * already produced `delivered`: that IMDN stays true (the mail reached the mailbox), and
 * RFC 5438 has no display status for "deleted unread", so no IMDN follows; the timeline
 * event (and the dashboard) says what it means.
 */
export const MDN_DISPOSITION_TO_IMDN: Readonly<Record<MdnDispositionType, MdnRule>> = {
  displayed: { display: 'displayed', why: 'shown to the reader' },
  deleted: { why: 'deleted, maybe unread' },
  dispatched: { why: 'forwarded or printed, not proof of reading' },
  processed: { why: 'handled by an agent, not read by a person' },
  denied: { display: 'forbidden', why: 'the reader refused to confirm reading' },
};
