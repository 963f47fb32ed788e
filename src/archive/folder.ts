/**
 * Folder templates (`archive.folder`): `Archive/{user}/{peer}`, `Archive/{yyyy}/{mm}`, …
 * rendered for one conversation. Placeholder values come from URIs, i.e. from outside, so
 * they are reduced to characters every IMAP server takes in a mailbox name: no hierarchy
 * separator (`/`, and `.`, which Dovecot's Maildir++ refuses), no LIST wildcards (`*`, `%`).
 */
import { addressOf } from './conversation.js';
import { domainOf } from './settings.js';

/** What a template may name. Dates are UTC: one message always lands in one folder. */
export interface FolderValues {
  readonly user: string;
  readonly peer: string;
  readonly channel: string;
  readonly direction: string;
  readonly at: Date;
}

/** Longest placeholder value kept (a mailbox level stays well under server limits). */
export const FOLDER_VALUE_MAX_CHARS = 64;

/** A placeholder value safe as (part of) one mailbox level. */
export function folderSafe(value: string): string {
  const safe = value.replace(/[^A-Za-z0-9@+_=-]/g, '_').slice(0, FOLDER_VALUE_MAX_CHARS);
  return safe === '' ? '_' : safe;
}

/** `sip:alice@example.com` → `alice@example_com`; `tel:+1555…` → `+1555…`. */
function uriLabel(uri: string): string {
  const address = addressOf(uri, '');
  return folderSafe(address.endsWith('@') ? address.slice(0, -1) : address);
}

/** The folder path (levels joined by `/`, empty levels dropped) for `values`. */
export function renderFolder(template: string, values: FolderValues): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const vars: Readonly<Record<string, string>> = {
    user: uriLabel(values.user),
    peer: uriLabel(values.peer),
    domain: folderSafe(domainOf(values.user)),
    channel: folderSafe(values.channel),
    direction: folderSafe(values.direction),
    yyyy: String(values.at.getUTCFullYear()),
    mm: pad(values.at.getUTCMonth() + 1),
    dd: pad(values.at.getUTCDate()),
  };
  return template
    .replace(/\{([a-z]+)\}/g, (whole, name: string) => vars[name] ?? whole)
    .split('/')
    .map((level) => level.trim())
    .filter((level) => level !== '')
    .join('/');
}
