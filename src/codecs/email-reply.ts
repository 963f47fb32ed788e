/**
 * Email replies to IM: the new text of a reply without the quoted history, and whether
 * the mail is an automatic response that must not be relayed (RFC 3834).
 *
 * Quote removal is heuristic by nature: it knows the attribution lines of Gmail, Outlook,
 * Apple Mail and Thunderbird in common languages, `>` quoting, RFC 3676 format=flowed and
 * the `-- ` signature delimiter. Pure: bytes or text in, text out.
 */
import { heraldError, isHeraldError } from '../errors.js';
import {
  decodeCharset,
  decodeEncodedWords,
  headerValue,
  headerValues,
  isAttachment,
  normalizeMessageId,
  parseMimeMessage,
  type MimeHeader,
  type MimeLimits,
  type MimePart,
} from './mime.js';

/** Longest reply text kept (characters): an IM is short; the rest of a long mail is cut. */
export const REPLY_MAX_TEXT_CHARS = 64 * 1024;
/** Largest HTML body converted to text: the tag stripper is linear, but bounded anyway. */
export const REPLY_MAX_HTML_CHARS = 2 * 1024 * 1024;
/**
 * Longest plain text examined for quotes: the new text of a reply sits at the top, so
 * whatever history lies beyond 1 MiB is never needed, and the line scans stay bounded.
 */
export const REPLY_MAX_INPUT_CHARS = 1024 * 1024;

/** Why a mail counts as automatic (RFC 3834 §5 and common non-standard markers). */
export type AutoReplyReason =
  | 'auto-submitted'
  | 'x-autoreply'
  | 'precedence'
  | 'null-return-path'
  | 'report';

/** A reply mail reduced to what the IM user should see. */
export interface EmailReply {
  /** The new text, quotes and signature removed; may be empty. */
  readonly text: string;
  /** Which body the text came from. */
  readonly bodySource: 'text/plain' | 'text/html' | 'none';
  /** Set when the mail is automatic and must not be relayed. */
  readonly autoReply?: AutoReplyReason;
  /** From, RFC 2047-decoded. */
  readonly from?: string;
  /** Subject, RFC 2047-decoded. */
  readonly subject?: string;
  readonly messageId?: string;
  readonly inReplyTo?: string;
  /** `<id>`s of References, oldest first (RFC 5322 §3.6.4). */
  readonly references: readonly string[];
  /** Delivered-To values (added by the delivering MTA/LDA), first = last hop. */
  readonly deliveredTo: readonly string[];
  /** To and Cc addresses as written (RFC 2047-decoded), for Reply-To token routing. */
  readonly recipients: readonly string[];
}

/**
 * Detects automatic mail: Auto-Submitted other than `no` (RFC 3834 §5), X-Autoreply /
 * X-Autorespond (vacation programs), Precedence bulk/junk/auto_reply, an empty
 * Return-Path `<>` (bounces and other notifications, RFC 5321 §4.5.5) and
 * multipart/report (DSNs and MDNs). Never throws.
 */
export function detectAutoReply(headers: readonly MimeHeader[]): AutoReplyReason | undefined {
  const autoSubmitted = headerValue(headers, 'auto-submitted');
  if (autoSubmitted !== undefined) {
    const keyword = autoSubmitted.replace(/\([^()]*\)/g, ' ').split(';')[0]?.trim().toLowerCase() ?? '';
    if (keyword !== 'no' && keyword !== '') return 'auto-submitted';
  }
  const xAuto = headerValue(headers, 'x-autoreply') ?? headerValue(headers, 'x-autorespond');
  if (xAuto !== undefined && !/^\s*no\b/i.test(xAuto)) return 'x-autoreply';
  const precedence = headerValue(headers, 'precedence')?.trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'auto_reply') return 'precedence';
  const returnPath = headerValue(headers, 'return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath.replace(/\([^()]*\)/g, '').trim())) {
    return 'null-return-path';
  }
  const contentType = headerValue(headers, 'content-type');
  if (contentType !== undefined && /^\s*multipart\/report\b/i.test(contentType)) return 'report';
  return undefined;
}

// ------------------------------------------------------------------ HTML to text

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  laquo: '«',
  raquo: '»',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  euro: '€',
  copy: '©',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,8});/g, (whole, ent: string) => {
    if (ent.startsWith('#')) {
      const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ent.toLowerCase()] ?? whole;
  });
}

/** Elements whose content is never visible text. */
const RAW_TEXT_ELEMENTS: ReadonlySet<string> = new Set(['head', 'style', 'script', 'title']);
/** Elements that end a line of text. */
const BLOCK_ELEMENTS: ReadonlySet<string> = new Set([
  'p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'ul', 'ol', 'pre',
]);
/** Markers of the quoted original: Gmail's container, Outlook's reply header. */
const HISTORY_MARKERS = ['gmail_quote', 'divrplyfwdmsg', 'appendonsend'];

/**
 * Converts an HTML body to plain text, dropping the quoted history the big clients mark
 * up: everything from Gmail's `gmail_quote` container or Outlook's `divRplyFwdMsg` /
 * `appendonsend` marker on, and every `<blockquote>` (Apple Mail, Thunderbird). Block
 * elements become line breaks; entities are decoded. A single forward scan with
 * `indexOf`, never a backtracking regex over the document: crafted HTML stays linear.
 * Never throws.
 */
export function htmlToText(html: string): string {
  const h = html.length > REPLY_MAX_HTML_CHARS ? html.slice(0, REPLY_MAX_HTML_CHARS) : html;
  const lower = h.toLowerCase();
  const n = h.length;
  let out = '';
  let quoteDepth = 0;
  let i = 0;
  let nextGt = -1;
  while (i < n) {
    const lt = h.indexOf('<', i);
    if (lt < 0) {
      if (quoteDepth === 0) out += h.slice(i);
      break;
    }
    if (quoteDepth === 0) out += h.slice(i, lt);
    if (h.startsWith('<!--', lt)) {
      const close = h.indexOf('-->', lt + 4);
      i = close < 0 ? n : close + 3;
      continue;
    }
    if (nextGt <= lt) nextGt = h.indexOf('>', lt + 1);
    // No '>' left: the rest is a broken tag, not text.
    if (nextGt < 0) break;
    const tag = lower.slice(lt + 1, nextGt);
    const m = /^(\/?)([a-z][a-z0-9]*)/.exec(tag);
    if (m === null) {
      if (quoteDepth === 0) out += '<';
      i = lt + 1;
      continue;
    }
    i = nextGt + 1;
    const closing = m[1] === '/';
    const name = m[2] ?? '';
    if (RAW_TEXT_ELEMENTS.has(name) && !closing) {
      const close = lower.indexOf(`</${name}`, i);
      const end = close < 0 ? -1 : h.indexOf('>', close);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (name === 'blockquote') {
      if (closing) quoteDepth = Math.max(0, quoteDepth - 1);
      else quoteDepth++;
      continue;
    }
    if (quoteDepth > 0) continue;
    if (!closing && name === 'div' && HISTORY_MARKERS.some((marker) => tag.includes(marker))) break;
    if (name === 'br') out += '\n';
    else if (name === 'hr') out += '\n----\n';
    else if (BLOCK_ELEMENTS.has(name)) out += '\n';
  }
  return decodeEntities(out)
    .replace(/[ \t\u00a0]+/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .join('\n');
}

// ------------------------------------------------------------------ quote stripping

/**
 * Attribution lines that introduce the quoted original, per client and language. Each
 * must match a whole (possibly two-line, see below) line.
 */
const ATTRIBUTION_PATTERNS: readonly RegExp[] = [
  /^On\b.{1,300}\bwrote:$/i, // Gmail, Apple Mail, Thunderbird (English)
  /^Am\b.{1,300}\bschrieb\b.{0,300}:$/i, // German
  /^Le\b.{1,300}\ba écrit\s?:$/i, // French
  /^El\b.{1,300}\bescribió:$/i, // Spanish
  /^Il\b.{1,300}\bha scritto:$/i, // Italian
  /^Op\b.{1,300}\bschreef\b.{0,300}:$/i, // Dutch
  /^(Em|No dia)\b.{1,300}\bescreveu:$/i, // Portuguese
  /^(Den|På)\b.{1,300}\bskrev\b.{0,300}:$/i, // Swedish, Danish, Norwegian
  /^.{1,300}\bnapisał(a|\(a\))?:$/i, // Polish
  /^.{1,300}\sпишет:$/i, // Russian
];

/** "Alice wrote:" alone is common prose too: it only counts when a quote follows. */
const GENERIC_ATTRIBUTION = /^.{1,300}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu):$/i;

/** Separators after which everything is the forwarded or quoted original. */
const SEPARATOR_PATTERNS: readonly RegExp[] = [
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Mensagem original|Ursprungligt meddelande)\s*-{2,}$/i,
  /^-{2,}\s*(Forwarded message|Weitergeleitete Nachricht)\s*-{2,}$/i,
  /^Begin forwarded message:$/i, // Apple Mail
  /^_{20,}$/, // Outlook web/new Outlook, followed by a From:/Sent: block
];

/** Outlook's plain-text header block of the quoted message: From:, then Sent:/Date:, To:… */
function isHeaderBlock(lines: readonly string[], i: number): boolean {
  if (!/^\*?(From|Von|De|Da|Van|Från)\s*:\*?\s/i.test(lines[i] ?? '')) return false;
  const next = lines.slice(i + 1, i + 5).join('\n');
  return /^\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato|Verzonden|Skickat)\s*:/im.test(next) &&
    /^\*?(To|Subject|An|Betreff|À|Objet|Para|Asunto|A|Oggetto|Aan|Onderwerp|Till|Ämne)\s*:/im.test(next);
}

/** Trailing lines clients add to every message. */
const BOILERPLATE = /^(Sent from my \w[\w ]*|Get Outlook for \w+|Von meinem \w[\w ]* gesendet|Envoyé de mon \w[\w ]*)\.?$/i;

/**
 * RFC 3676 format=flowed: a line ending in a space continues on the next (the space is
 * dropped with DelSp=yes), space-stuffing is undone, quoted lines keep their depth. The
 * signature delimiter `-- ` is never a flowed line.
 */
export function unflow(text: string, delSp = false): string {
  const out: string[] = [];
  let buffer: string | undefined;
  let bufferDepth = 0;
  for (const rawLine of text.split('\n')) {
    const depth = /^>+/.exec(rawLine)?.[0].length ?? 0;
    let line = rawLine.slice(depth);
    if (line.startsWith(' ')) line = line.slice(1);
    const flowed = line.endsWith(' ') && line !== '-- ';
    const content = flowed && delSp ? line.slice(0, -1) : line;
    if (buffer !== undefined && depth === bufferDepth) buffer += content;
    else {
      if (buffer !== undefined) out.push('>'.repeat(bufferDepth) + (bufferDepth > 0 ? ' ' : '') + buffer);
      buffer = content;
      bufferDepth = depth;
    }
    if (!flowed) {
      out.push('>'.repeat(bufferDepth) + (bufferDepth > 0 ? ' ' : '') + buffer);
      buffer = undefined;
    }
  }
  if (buffer !== undefined) out.push('>'.repeat(bufferDepth) + (bufferDepth > 0 ? ' ' : '') + buffer);
  return out.join('\n');
}

/**
 * Removes the quoted history from a reply's plain text: everything from the first
 * attribution line ("On … wrote:" and its translations, which Gmail may wrap over two
 * lines), Outlook separator or header block, or the signature delimiter `-- ` on; then
 * every remaining `>` line (interleaved answers keep the answers), client boilerplate
 * ("Sent from my iPhone"), trailing whitespace and runs of blank lines. Never throws.
 */
export function stripQuotedText(text: string): string {
  const bounded = text.length > REPLY_MAX_INPUT_CHARS ? text.slice(0, REPLY_MAX_INPUT_CHARS) : text;
  const lines = bounded.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd());
  // nextText[i]: the first non-blank line after i, computed once so the scan stays linear.
  const nextText: string[] = new Array<string>(lines.length).fill('');
  for (let i = lines.length - 2; i >= 0; i--) {
    const after = lines[i + 1] ?? '';
    nextText[i] = after.trim() !== '' ? after : (nextText[i + 1] ?? '');
  }
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const joined = `${line} ${(lines[i + 1] ?? '').trim()}`.trim();
    if (/^-- ?$/.test(lines[i] ?? '') || SEPARATOR_PATTERNS.some((re) => re.test(line)) || isHeaderBlock(lines, i)) {
      end = i;
      break;
    }
    if (ATTRIBUTION_PATTERNS.some((re) => re.test(line))) {
      end = i;
      break;
    }
    if (GENERIC_ATTRIBUTION.test(line) && /^\s*>/.test(nextText[i] ?? '')) {
      end = i;
      break;
    }
    // Gmail wraps a long attribution: "On Mon, … Alice <" / "alice@example.test> wrote:".
    if (/^(On|Am|Le|El|Il|Op|Em|Den)\b/i.test(line) && ATTRIBUTION_PATTERNS.some((re) => re.test(joined))) {
      end = i;
      break;
    }
  }
  const kept = lines.slice(0, end).filter((l) => !/^\s*>/.test(l));
  while (kept.length > 0 && (kept[kept.length - 1] ?? '').trim() === '') kept.pop();
  if (kept.length > 0 && BOILERPLATE.test((kept[kept.length - 1] ?? '').trim())) kept.pop();
  const collapsed: string[] = [];
  for (const l of kept) {
    if (l.trim() === '' && (collapsed.length === 0 || collapsed[collapsed.length - 1] === '')) continue;
    collapsed.push(l.trim() === '' ? '' : l);
  }
  while (collapsed.length > 0 && collapsed[collapsed.length - 1] === '') collapsed.pop();
  const result = collapsed.join('\n');
  return result.length > REPLY_MAX_TEXT_CHARS ? result.slice(0, REPLY_MAX_TEXT_CHARS) : result;
}

// ------------------------------------------------------------------ the reply

/** The first inline text part of `type`, without entering attached messages. */
function findTextPart(part: MimePart, subtype: 'plain' | 'html'): MimePart | undefined {
  if (part.contentType.type === 'text' && part.contentType.subtype === subtype && !isAttachment(part)) return part;
  if (part.contentType.type !== 'multipart') return undefined;
  for (const child of part.parts) {
    const hit = findTextPart(child, subtype);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function addresses(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((s) => decodeEncodedWords(s).trim())
    .filter((s) => s !== '');
}

/**
 * Reduces a reply mail to its new text and routing facts. Prefers text/plain (format=
 * flowed undone), falls back to text/html converted by {@link htmlToText}; see
 * {@link stripQuotedText} for what is removed.
 *
 * @param raw - The complete message as fetched over IMAP.
 * @param limits - MIME limit overrides (see mime.ts).
 * @throws GW_ERR_MIME_MALFORMED when the message is not valid MIME or exceeds a limit.
 */
export function parseEmailReply(raw: Uint8Array, limits: Partial<MimeLimits> = {}): EmailReply {
  const root = parseMimeMessage(raw, limits);
  try {
    return replyFromMime(root);
  } catch (err) {
    if (isHeraldError(err)) throw err;
    throw heraldError('GW_ERR_MIME_MALFORMED', 'unexpected reply parser failure', { cause: err });
  }
}

/** {@link parseEmailReply} on an already parsed MIME tree. Never throws. */
export function replyFromMime(root: MimePart): EmailReply {
  const h = root.headers;
  let text = '';
  let bodySource: EmailReply['bodySource'] = 'none';
  const plain = findTextPart(root, 'plain');
  const html = plain === undefined ? findTextPart(root, 'html') : undefined;
  if (plain !== undefined) {
    let body = decodeCharset(plain.body, plain.contentType.params['charset'] ?? 'us-ascii').replace(/\r\n?/g, '\n');
    if (plain.contentType.params['format']?.toLowerCase() === 'flowed') {
      body = unflow(body, plain.contentType.params['delsp']?.toLowerCase() === 'yes');
    }
    text = stripQuotedText(body);
    bodySource = 'text/plain';
  } else if (html !== undefined) {
    text = stripQuotedText(htmlToText(decodeCharset(html.body, html.contentType.params['charset'] ?? 'utf-8')));
    bodySource = 'text/html';
  }
  const from = headerValue(h, 'from');
  const subject = headerValue(h, 'subject');
  const messageId = normalizeMessageId(headerValue(h, 'message-id'));
  const inReplyTo = normalizeMessageId(headerValue(h, 'in-reply-to'));
  const autoReply = detectAutoReply(h);
  const references = [...(headerValue(h, 'references') ?? '').matchAll(/<[^<>\s]+>/g)].map((m) => m[0]);
  return {
    text,
    bodySource,
    ...(autoReply === undefined ? {} : { autoReply }),
    ...(from === undefined ? {} : { from: decodeEncodedWords(from) }),
    ...(subject === undefined ? {} : { subject: decodeEncodedWords(subject) }),
    ...(messageId === undefined ? {} : { messageId }),
    ...(inReplyTo === undefined ? {} : { inReplyTo }),
    references,
    deliveredTo: headerValues(h, 'delivered-to'),
    recipients: addresses([...headerValues(h, 'to'), ...headerValues(h, 'cc')]),
  };
}
