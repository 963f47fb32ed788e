/**
 * The archive's settings, resolved once from the configuration: whether it is on, the
 * Message-ID domain, and which account (and folder template) serves each IM user.
 */
import type { ArchiveConfig } from '../config-archive.js';
import { DEFAULT_SUBJECT_TEMPLATE } from '../domain/subject.js';
import type { ArchiveAccount } from '../ports/archive-mailboxes.port.js';

export interface ArchiveSettings {
  /** False without `archive.host`: nothing is archived, no job is queued. */
  readonly configured: boolean;
  readonly messageIdDomain: string;
  readonly folder: string;
  /** Lower-cased IM domains archived; empty = all. */
  readonly domains: readonly string[];
  readonly unlistedUsers: boolean;
  readonly delayMs: number;
  readonly retryMaxMs: number;
  readonly claimMs: number;
  readonly sweepMs: number;
  /** Subject of an IM that has none: `smtp.subjectTemplate`, so archive and email say the same. */
  readonly subjectTemplate: string;
  /** The account (and folder template) for an IM user; undefined = no account serves them. */
  accountFor(imUri: string): { readonly account: ArchiveAccount; readonly folder: string } | undefined;
}

/** `sip:alice@Example.com;transport=tcp` → `example.com` (empty for tel: and the like). */
export function domainOf(uri: string): string {
  const rest = uri.replace(/^[a-z][a-z0-9+.-]*:/i, '').split(';')[0] ?? '';
  const at = rest.lastIndexOf('@');
  return at < 0 ? '' : (rest.slice(at + 1).split(':')[0] ?? '').toLowerCase();
}

/**
 * Builds the settings; `sipDomain` is the Message-ID domain when none is configured, and
 * `subjectTemplate` the email channel's (`smtp.subjectTemplate`).
 */
export function archiveSettings(config: ArchiveConfig, sipDomain: string, subjectTemplate: string = DEFAULT_SUBJECT_TEMPLATE): ArchiveSettings {
  const fallback: ArchiveAccount | undefined =
    config.username === undefined ? undefined : { key: config.username, username: config.username, password: config.password ?? '' };
  const byUser = new Map(config.accounts.map((a) => [a.user.toLowerCase(), a] as const));
  return {
    configured: config.host !== undefined,
    messageIdDomain: config.messageIdDomain ?? sipDomain,
    folder: config.folder,
    domains: config.domains.map((d) => d.toLowerCase()),
    unlistedUsers: config.unlistedUsers,
    delayMs: config.delayMs,
    retryMaxMs: config.retryMaxMs,
    claimMs: config.claimMs,
    sweepMs: config.sweepMs,
    subjectTemplate,
    accountFor(imUri) {
      // Most specific first: the user's own account, then their domain's (tenant), then the default.
      const own = byUser.get(imUri.toLowerCase()) ?? byUser.get(domainOf(imUri));
      if (own !== undefined) return { account: { key: own.username, username: own.username, password: own.password }, folder: own.folder ?? config.folder };
      return fallback === undefined ? undefined : { account: fallback, folder: config.folder };
    },
  };
}
