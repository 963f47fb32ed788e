/**
 * Header writing for archived mail, with the email channel's safety rules: every text
 * that reaches a header is flattened first (C0/C1 controls, CR and LF above all, become
 * spaces), non-ASCII text is RFC 2047-encoded, and each field is folded (RFC 5322
 * §2.2.3). No IM field (subject, display name, URI) can end a header line and start another.
 */
import { encodeEncodedWords, foldHeader } from '../codecs/mime.js';

/** Longest header text kept: a Subject or name beyond this is an abuse, not a message. */
export const ARCHIVE_HEADER_TEXT_MAX_CHARS = 900;

/** Header-safe text: controls and Unicode line separators become spaces, blanks collapse, length capped. */
export function headerText(value: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu, ' ').replace(/ {2,}/g, ' ').trim();
  return flat.length > ARCHIVE_HEADER_TEXT_MAX_CHARS ? `${flat.slice(0, ARCHIVE_HEADER_TEXT_MAX_CHARS - 1)}…` : flat;
}

/** `name <addr>` with the name quoted or encoded; `addr` must already be a safe addr-spec. */
export function mailbox(address: string, name?: string): string {
  const text = name === undefined ? '' : headerText(name);
  if (text === '') return address;
  const encoded = encodeEncodedWords(text);
  // An encoded-word is an atom of its own; plain ASCII is quoted so `,` `<` `"` stay text.
  const phrase = encoded === text ? `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"` : encoded;
  return `${phrase} <${address}>`;
}

/** RFC 5322 §3.3 date-time in UTC. */
export function rfc5322Date(at: Date): string {
  return at.toUTCString().replace(/GMT$/, '+0000');
}

/** Collects fields and renders them folded, CRLF-terminated. */
export class HeaderBlock {
  readonly #lines: string[] = [];

  /** Adds a structured field whose value Herald built (addresses, ids, dates, tokens). */
  raw(name: string, value: string): this {
    this.#lines.push(foldHeader(name, value.replace(/[\r\n]+/g, ' ')));
    return this;
  }

  /** Adds an unstructured field whose value may come from outside (flattened and encoded). */
  text(name: string, value: string): this {
    return this.raw(name, encodeEncodedWords(headerText(value)));
  }

  toString(): string {
    return this.#lines.map((line) => `${line}\r\n`).join('');
  }
}

/** Base64 body lines of at most 76 characters (RFC 2045 §6.8). */
export function base64Lines(content: Buffer): string {
  return (content.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}
