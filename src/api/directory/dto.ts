import type { DirectoryEntry } from '../../domain/message.js';

/** A directory entry as the API shows it (see DIRECTORY_ENTRY_SCHEMA). */
export function directoryEntryDto(entry: DirectoryEntry): Record<string, unknown> {
  return {
    imUri: entry.imUri,
    msisdn: entry.msisdn ?? null,
    email: entry.email ?? null,
    displayName: entry.displayName ?? null,
    archiveEnabled: entry.archiveEnabled,
  };
}
