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
  | 'apple-vacation'
  | 'auto-response-suppress'
  | 'precedence'
  | 'mailing-list'
  | 'null-return-path'
  | 'daemon-sender'
  | 'report'
  | 'subject';

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
 * Subjects automatic mail carries (Outlook/Exchange, Gmail, Apple, Thunderbird, MTAs), in
 * many languages, optionally in brackets (`[Automatyczna odpowiedź] …`, wp.pl). The word
 * must end there: no `\b`, which only knows ASCII (`自動応答\b` never matched).
 */
const AUTOMATIC_SUBJECT =
  /^\s*\[?(automatic reply|auto(matic)?[- ]?(reply|response|antwort)|out of (the )?office|ooo|away from (the )?office|on vacation|vacation reply|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|absence du bureau|risposta automatica|fuori sede|respuesta autom[áa]tica|fuera de la oficina|resposta autom[áa]tica|automatisch antwoord|afwezig|autosvar|automatisk svar|frånvaro|automaattinen vastaus|automatyczna odpowied[źz]|автоматический ответ|自動応答|自动回复|undeliverable|undelivered mail|delivery status notification|mail delivery failed|returned mail|failure notice|delivery failure|nicht zustellbar|unzustellbar|non remis)(?![\p{L}\p{N}_])/iu;
/**
 * Subjects that say it at the end or in a sentence: AOL's `Re: … (Automatic Response)`,
 * Lotus Notes' `AUTO: <name> is out of the office (returning …)` (Notes sets no header
 * marker at all).
 */
const AUTOMATIC_SUBJECT_PHRASE = /\((automatic response|auto[- ]?reply|autoreply)\)\s*$|^\s*auto:\s.{0,200}\bis out of (the )?office\b/i;

/** Senders that are programs, never people (RFC 3834 §3.1.1 lists the same addresses). */
const DAEMON_SENDER = /^(mailer-daemon|mailer_daemon|postmaster|mail-daemon|listserv|majordomo|bounce|bounces|no-?reply|do-?not-?reply)$/i;

function senderLocalPart(from: string | undefined): string {
  const value = from ?? '';
  const address = /<([^<>\s]*)>/.exec(value)?.[1] ?? /([^\s<>"(),;:]+@[^\s<>"(),;:]+)/.exec(value)?.[1] ?? '';
  return address.split('@')[0] ?? '';
}

/**
 * Detects automatic mail: Auto-Submitted other than `no` (RFC 3834 §5), X-Autoreply /
 * X-Autorespond (vacation programs), iCloud's `X-Apple-Action: VACATION`, Exchange's
 * `X-Auto-Response-Suppress` (set on its own automatic mail), Precedence bulk/junk/list/
 * auto_reply, list headers (List-Id, List-Unsubscribe), an empty Return-Path `<>` or a
 * program sender (MAILER-DAEMON, postmaster, no-reply), multipart/report (DSNs and MDNs),
 * and the subjects automatic mail carries ("Automatic reply:", "Undeliverable:", …).
 * Never throws.
 */
export function detectAutoReply(headers: readonly MimeHeader[]): AutoReplyReason | undefined {
  const autoSubmitted = headerValue(headers, 'auto-submitted');
  if (autoSubmitted !== undefined) {
    const keyword = autoSubmitted.replace(/\([^()]*\)/g, ' ').split(';')[0]?.trim().toLowerCase() ?? '';
    if (keyword !== 'no' && keyword !== '') return 'auto-submitted';
  }
  const xAuto = headerValue(headers, 'x-autoreply') ?? headerValue(headers, 'x-autorespond') ?? headerValue(headers, 'x-autogenerated');
  if (xAuto !== undefined && !/^\s*no\b/i.test(xAuto)) return 'x-autoreply';
  if (headerValue(headers, 'x-apple-action') !== undefined) return 'apple-vacation';
  const suppress = headerValue(headers, 'x-auto-response-suppress')?.trim().toLowerCase();
  if (suppress !== undefined && suppress !== '' && suppress !== 'none') return 'auto-response-suppress';
  const precedence = headerValue(headers, 'precedence')?.trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'list' || precedence === 'auto_reply') return 'precedence';
  if (headerValue(headers, 'list-id') !== undefined || headerValue(headers, 'list-unsubscribe') !== undefined) return 'mailing-list';
  const returnPath = headerValue(headers, 'return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath.replace(/\([^()]*\)/g, '').trim())) {
    return 'null-return-path';
  }
  if (DAEMON_SENDER.test(senderLocalPart(headerValue(headers, 'from')))) return 'daemon-sender';
  const contentType = headerValue(headers, 'content-type');
  if (contentType !== undefined && /^\s*multipart\/report\b/i.test(contentType)) return 'report';
  const subject = decodeEncodedWords(headerValue(headers, 'subject') ?? '');
  if (AUTOMATIC_SUBJECT.test(subject) || AUTOMATIC_SUBJECT_PHRASE.test(subject)) return 'subject';
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
/**
 * Markers of the quoted original in a `<div>`: Gmail's container, Outlook's reply header
 * (web, 2003 `OutlookMessageHeader`, Mac `OLK_SRC_BODY_SECTION`), Yahoo's, and the
 * top-bordered header block Outlook 2007–2016 and Windows Mail draw above the original.
 */
const HISTORY_MARKERS = [
  'gmail_quote',
  'divrplyfwdmsg',
  'appendonsend',
  'outlookmessageheader',
  'olk_src_body_section',
  'yahoo_quoted',
  'border-top:solid #b5c4df',
  'border-top:solid #e1e1e1',
  'border-top-color: rgb(229, 229, 229)',
];

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
    // `<?xml …?>` (Hotmail) and `<!DOCTYPE …>` are declarations, never text.
    if (h.startsWith('<?', lt) || h.startsWith('<!', lt)) {
      const close = h.indexOf('>', lt + 2);
      i = close < 0 ? n : close + 1;
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
    // Hotmail/Outlook.com put the original's header block after `<hr id="stopSpelling">`.
    if (name === 'hr' && tag.includes('stopspelling')) break;
    if (name === 'br') out += '\n';
    else if (name === 'hr') out += '\n----\n';
    // A paragraph ends with an empty line; other blocks with one line end per edge:
    // `<div>a</div><div>b</div>` is two lines, not three.
    else if (name === 'p') out += out.endsWith('\n\n') ? '' : out.endsWith('\n') ? '\n' : '\n\n';
    else if (BLOCK_ELEMENTS.has(name) && !out.endsWith('\n')) out += '\n';
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
 * must match a whole line, or two joined (Gmail and Polish clients wrap it). No `\b`
 * next to a non-ASCII letter: JavaScript's `\b` only knows ASCII words (`På\b` never
 * matched Norwegian).
 */
const ATTRIBUTION_PATTERNS: readonly RegExp[] = [
  /^On\s.{1,300}\swrote:$/i, // Gmail, Apple Mail, Thunderbird (English)
  /^Am\s.{1,300}\sschrieb\s?.{0,300}:$/i, // German
  /^Le\s.{1,300}\sa écrit\s?:$/i, // French
  /^El\s.{1,300}\sescribió:$/i, // Spanish
  /^Il\s.{1,300}\sha scritto:$/i, // Italian
  /^Op\s.{1,300}\s(schreef\s?.{0,300}|het volgende geschreven):$/i, // Dutch (Gmail, Apple Mail)
  /^(Em|No dia)\s.{1,300}\sescreveu:$/i, // Portuguese
  /^(Den|På|Dne)\s.{1,300}\s(skrev|napsal\(a\)|napsal)\s?.{0,300}:$/i, // Swedish, Danish, Norwegian, Czech
  /^.{1,300}\snapisał(a|\(a\))?:$/i, // Polish ("W dniu … użytkownik X napisał:")
  /^.{1,300}\s(пишет|написал|написала|написал\(а\)):$/i, // Russian
  /^.{1,300}\sđã viết:$/i, // Vietnamese
  /^.{1,300}\s(kirjoitti|yazdı|írta|έγραψε):$/i, // Finnish, Turkish, Hungarian, Greek
  /^\d{4}年\d{1,2}月\d{1,2}日.{0,300}[:：]$/, // Japanese Gmail
  /^.{1,300}(のメール|のメッセージ|写道|寫道)[:：]$/, // Japanese Apple Mail, Chinese
  /^-{2,}\s?.{1,200}\s(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev)\s?-{2,}$/i, // Android: "---- Alice wrote ----"
];

/** "Alice wrote:" alone is common prose too: it only counts when a quote follows. */
const GENERIC_ATTRIBUTION = /^.{1,300}\s(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napisał|пишет):$/i;

/**
 * Date-first attributions (Gmail in some locales, mail.ru, Yandex, Outlook.com): a line
 * ending in `:` with a clock time and an address, e.g. `2024-12-05 10:00 GMT+01:00 Alice
 * <a@b.test>:` or `Thu, 26 Jun 2014 14:00 +0400 от Alexander <a@b.test>:`.
 */
function isDateFirstAttribution(line: string): boolean {
  return line.length <= 400 && /[:：]$/.test(line) && /\b\d{1,2}:\d{2}\b/.test(line) && /[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+/.test(line);
}

/** Separators after which everything is the forwarded or quoted original. */
const SEPARATOR_PATTERNS: readonly RegExp[] = [
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Mensagem original|Ursprungligt meddelande|Oprindelig meddelelse|Oprindelig besked|Opprinnelig melding|Wiadomość oryginalna|Исходное сообщение|Alkuperäinen viesti|Původní zpráva)\s*-{2,}$/i,
  /^-{2,}\s*(Forwarded message|Weitergeleitete Nachricht|Message transféré)\s*-{2,}$/i,
  /^Begin forwarded message:$/i, // Apple Mail
  /^_{20,}$/, // Outlook web/new Outlook, followed by a From:/Sent: block
];

/** Header names of a quoted original's header block, per language (From, then Sent/Date, then To/Subject). */
const FROM_NAMES = 'From|Von|De|Da|Van|Från|Fra|Od|От|Lähettäjä|Từ|差出人|发件人|Feladó|Kimden';
const SENT_NAMES = 'Sent|Date|Dato|Gesendet|Datum|Envoyé|Enviado|Enviada|Inviato|Verzonden|Skickat|Sendt|Wysłano|Wysłane|Отправлено|Дата|Lähetetty|Đã gửi|Ngày|送信日時|日時|发送时间|Elküldve|Gönderildi';
const TO_NAMES = 'To|Subject|An|Betreff|À|Objet|Para|Asunto|A|Oggetto|Aan|Onderwerp|Till|Ämne|Til|Emne|Do|Temat|Кому|Тема|Vastaanottaja|Aihe|Tới|Chủ đề|宛先|件名|收件人|主题|Címzett|Tárgy|Kime|Konu';
const HEADER_FROM = new RegExp(`^\\*?(${FROM_NAMES})\\*?\\s*[:：]\\*?\\s`, 'i');
const HEADER_SENT = new RegExp(`^\\*?(${SENT_NAMES})\\*?\\s*[:：]`, 'im');
const HEADER_TO = new RegExp(`^\\*?(${TO_NAMES})\\*?\\s*[:：]`, 'im');

/** Outlook's (and Windows Mail's, Hotmail's) header block of the quoted message: From:, then Sent:/Date:, To:… */
function isHeaderBlock(lines: readonly string[], i: number): boolean {
  const line = lines[i] ?? '';
  const next = lines.slice(i + 1, i + 5).join('\n');
  if (HEADER_FROM.test(line)) return HEADER_SENT.test(next) && HEADER_TO.test(next);
  // Hotmail starts its block with Date: (then Subject:, From:).
  return /^\*?(Date|Sent)\*?\s*:\s/i.test(line) && HEADER_FROM.test(next.split('\n').find((l) => HEADER_FROM.test(l)) ?? '') && HEADER_TO.test(next);
}

/**
 * Trailing lines clients add to every message; Outlook's mobile apps append their link
 * (`Download Outlook for Android<https://aka.ms/…>`, `Télécharger Outlook pour iOS<…>`).
 */
const BOILERPLATE =
  /^(Sent from my \w[\w ]*|(Get|Download) Outlook for \w+|Télécharger Outlook pour \w+|Outlook für \w+ herunterladen|Scarica Outlook per \w+|Descargar Outlook para \w+|Baixe o Outlook para \w+|Von meinem \w[\w ]* gesendet|Envoyé de mon \w[\w ]*|Enviado desde mi \w[\w ]*|Inviato da \w[\w ]*|Verzonden vanaf mijn \w[\w ]*|Skickat från min \w[\w ]*|Sendt fra min \w[\w ]*|Отправлено с \S[\S ]*)\.?\s*(<https?:\/\/[^\s<>]{1,300}>)?$/i;

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

/** Where the history starts, and whether it is `>`-quoted (then answers may follow it). */
interface HistoryStart {
  readonly index: number;
  /** An attribution (`On … wrote:`) whose quote is `>` lines; separators and header blocks quote nothing. */
  readonly quoted: boolean;
}

/** The first history start at or after `from` (absolute index). */
function historyStart(lines: readonly string[], nextText: readonly string[], from: number): HistoryStart | undefined {
  for (let i = from; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('>')) continue;
    if (/^-- ?$/.test(lines[i] ?? '') || SEPARATOR_PATTERNS.some((re) => re.test(line)) || isHeaderBlock(lines, i)) return { index: i, quoted: false };
    const quoteFollows = /^\s*>/.test(nextText[i] ?? '');
    if (ATTRIBUTION_PATTERNS.some((re) => re.test(line)) || isDateFirstAttribution(line)) return { index: i, quoted: quoteFollows };
    if (GENERIC_ATTRIBUTION.test(line) && quoteFollows) return { index: i, quoted: true };
    // A wrapped attribution: "On Mon, … Alice <" / "alice@example.test> wrote:".
    const nextLine = (lines[i + 1] ?? '').trim();
    const joined = `${line} ${nextLine}`;
    if (nextLine !== '' && !nextLine.startsWith('>') && (ATTRIBUTION_PATTERNS.some((re) => re.test(joined)) || isDateFirstAttribution(joined))) {
      return { index: i, quoted: /^\s*>/.test(nextText[i + 1] ?? '') };
    }
  }
  return undefined;
}

/**
 * Removes the quoted history from a reply's plain text. The history starts at the first
 * attribution line ("On … wrote:" in many languages and forms, date-first, wrapped over
 * two lines), Outlook separator or header block, or the signature delimiter `-- `.
 * Top-posted: everything from there on goes. Bottom-posted or interleaved (an
 * attribution whose quote is `>` lines, with the writer's own lines after it): only the
 * attribution and the `>` lines go, the answers stay, up to a signature or a later
 * history. Then client boilerplate ("Sent from my iPhone"), trailing whitespace and runs
 * of blank lines go. Never throws.
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
  const kept: string[] = [];
  let from = 0;
  // Each round moves `from` past a quote block: the scan stays linear in the lines.
  for (;;) {
    const start = historyStart(lines, nextText, from);
    if (start === undefined) {
      kept.push(...lines.slice(from));
      break;
    }
    kept.push(...lines.slice(from, start.index));
    if (!start.quoted) break;
    // Skip the attribution (one or two lines) and its quote; keep what the writer added after.
    let j = start.index + 1;
    while (j < lines.length && !/^\s*>/.test(lines[j] ?? '')) j++;
    while (j < lines.length && (/^\s*>/.test(lines[j] ?? '') || (lines[j] ?? '').trim() === '')) j++;
    if (j >= lines.length) break;
    from = j;
  }
  const unquoted = kept.filter((l) => !/^\s*>/.test(l));
  while (unquoted.length > 0 && (unquoted[unquoted.length - 1] ?? '').trim() === '') unquoted.pop();
  if (unquoted.length > 0 && BOILERPLATE.test((unquoted[unquoted.length - 1] ?? '').trim())) unquoted.pop();
  const collapsed: string[] = [];
  for (const l of unquoted) {
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
