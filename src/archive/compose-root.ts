/**
 * The conversation's root mail (pure): the first mail of a conversation in a folder,
 * whose Message-ID every other archived mail of the conversation names in
 * In-Reply-To/References. Without it the root is a Message-ID no mail carries, and
 * threading clients (RFC 5256 REFERENCES, JWZ) show an empty placeholder parent.
 *
 * Why a mail of its own rather than the conversation's first message as root: which
 * message is first is only known once it is archived (jobs run in any order, on any
 * node), so every message's threading headers would depend on archive state; with a
 * root of its own they stay a pure function of the conversation, retries write the same
 * bytes, and folders archived before the root existed are healed by the next message.
 */
import { addressOf, type Conversation } from './conversation.js';
import { base64Lines, HeaderBlock, mailbox, rfc5322Date } from './mail-headers.js';

export interface RootInput {
  /** The conversation the root stands for (a copy's first). */
  readonly conversation: Conversation;
  readonly threadRoot: string;
  /** The time of the message whose archiving appends it (the conversation's first archived). */
  readonly at: Date;
  readonly domain: string;
  /** Directory display names (people.ts). */
  readonly nameOf: (uri: string) => string | undefined;
}

/** `Eve` / `+15551234567` / `bob@example.com`: how the root names one side. */
function who(uri: string, name: string | undefined, domain: string): string {
  const address = addressOf(uri, domain);
  const label = /^tel:/i.test(uri) ? address.split('@')[0] ?? address : address;
  return name === undefined ? label : `${name} (${label})`;
}

/** The root mail, CRLF line ends, ready for APPEND. */
export function composeRoot(input: RootInput): Buffer {
  const { conversation, domain, nameOf } = input;
  const user = who(conversation.user, nameOf(conversation.user), domain);
  const peer = who(conversation.peer, nameOf(conversation.peer), domain);
  const headers = new HeaderBlock()
    // Herald speaks here, as in reports: SEARCH FROM/TO the peer finds the messages only.
    .raw('From', mailbox(`herald@${domain}`, 'Herald gateway'))
    .raw('To', mailbox(addressOf(conversation.user, domain), nameOf(conversation.user)))
    .raw('Date', rfc5322Date(input.at))
    // The peer's address in the subject keeps two roots in one folder (a template without
    // {peer}) apart, even for RFC 5256's merge of root-level threads by base subject.
    .text('Subject', `Conversation: ${user} with ${peer}`)
    .raw('Message-ID', input.threadRoot)
    .raw('Auto-Submitted', 'auto-generated')
    .raw('MIME-Version', '1.0')
    .raw('X-Herald-Report', 'conversation')
    .text('X-Herald-User', conversation.user)
    .text('X-Herald-Peer', conversation.peer)
    .raw('Content-Type', 'text/plain; charset=utf-8')
    .raw('Content-Transfer-Encoding', 'base64');
  const text = [
    `Archived conversation between ${user} and ${peer}, relayed by Herald.`,
    'Every message of it, and a report of each delivery outcome and receipt, is filed in this thread.',
    '',
  ].join('\r\n');
  return Buffer.from(`${headers.toString()}\r\n${base64Lines(Buffer.from(text, 'utf8'))}\r\n`, 'utf8');
}
