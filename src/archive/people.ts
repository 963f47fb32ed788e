/**
 * Who the URIs of a message are, as the number directory knows them: one person may
 * write from several addresses (a mobile number, an email address, an IM URI; the
 * directory ties them to one entry), and has one display name. The archive files a
 * conversation by person, so a reply from another address of the same person lands in
 * the same folder and thread, and names people as the directory does rather than by URI.
 */
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import type { DirectoryEntry } from '../domain/message.js';
import type { NumberDirectory } from '../ports/ledger.port.js';
import { canonicalPeer } from './conversation.js';

/** The directory's view of the URIs of one message, looked up once. */
export interface People {
  /**
   * The key a URI files under: the IM URI of the directory entry holding it (as IM URI,
   * MSISDN or email), else its canonical spelling ({@link canonicalPeer}).
   */
  personOf(uri: string): string;
  /** The directory's display name for a URI's person, if it has one. */
  nameOf(uri: string): string | undefined;
  /** The directory entry of an IM URI (archive_enabled), if there is one. */
  entryOf(uri: string): DirectoryEntry | undefined;
}

/** No directory knowledge: canonical spellings only (pure uses and tests). */
export const NO_PEOPLE: People = { personOf: canonicalPeer, nameOf: () => undefined, entryOf: () => undefined };

type Lookup = Pick<NumberDirectory, 'byImUri' | 'byMsisdn' | 'byEmail'>;

/** The entry holding `uri`, whichever kind of address it is. @throws GW_ERR_DB_UNREACHABLE */
async function entryFor(uri: string, directory: Lookup): Promise<DirectoryEntry | undefined> {
  const canonical = canonicalPeer(uri);
  const colon = canonical.indexOf(':');
  const scheme = canonical.slice(0, colon);
  const rest = canonical.slice(colon + 1).split(/[;?]/)[0] ?? '';
  if (scheme === 'tel') return rest.startsWith('+') ? directory.byMsisdn(rest) : undefined;
  // Lower-case in the directory's own comparison (byEmail matches lower(email)).
  if (scheme === 'mailto') return directory.byEmail(rest);
  return (await directory.byImUri(uri)) ?? (canonical === uri ? undefined : directory.byImUri(canonical));
}

/**
 * Looks up the sender and every delivery target of `message` (a handful of indexed reads).
 * @throws GW_ERR_DB_UNREACHABLE
 */
export async function lookUpPeople(message: StoredMessage, deliveries: readonly StoredDelivery[], directory: Lookup): Promise<People> {
  const entries = new Map<string, DirectoryEntry | undefined>();
  for (const uri of new Set([message.senderUri, ...deliveries.map((d) => d.targetUri)])) {
    const entry = await entryFor(uri, directory);
    entries.set(uri, entry);
    entries.set(canonicalPeer(uri), entry);
  }
  const entryOf = (uri: string): DirectoryEntry | undefined => entries.get(uri) ?? entries.get(canonicalPeer(uri));
  return {
    personOf: (uri) => {
      const entry = entryOf(uri);
      return entry === undefined ? canonicalPeer(uri) : canonicalPeer(entry.imUri);
    },
    nameOf: (uri) => {
      const name = entryOf(uri)?.displayName;
      return name === undefined || name.trim() === '' ? undefined : name;
    },
    entryOf,
  };
}
