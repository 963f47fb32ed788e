/**
 * application/resource-lists+xml (RFC 4826 §3) as used for multi-recipient MESSAGE
 * (RFC 5365 §4), with the copyControl attributes of RFC 5364 §4
 * (`urn:ietf:params:xml:ns:copycontrol`).
 */
import type { CopyControl } from '../domain/message.js';
import { heraldError } from '../errors.js';
import { guardCodec } from './guard.js';
import { escapeXmlAttr, escapeXmlText, parseXml, xmlChildText, type SafeXmlLimits, type XmlElement } from './safe-xml.js';

/** resource-lists namespace (RFC 4826 §3.4.1). */
export const RESOURCE_LISTS_NS = 'urn:ietf:params:xml:ns:resource-lists';
/** copyControl namespace (RFC 5364 §4). */
export const COPY_CONTROL_NS = 'urn:ietf:params:xml:ns:copycontrol';
/** Content type of a resource-lists body. */
export const RESOURCE_LISTS_CONTENT_TYPE = 'application/resource-lists+xml';
/** Most entries read from one list (before de-duplication). Each entry fans out to an SMS or
 * an email, so this caps how much work and cost one MESSAGE can cause. */
export const RESOURCE_LISTS_MAX_ENTRIES = 100;

/** One recipient of a recipient list. */
export interface ResourceListEntry {
  /** The URI as sent (tel:, sip:, sips:, mailto:, …). */
  readonly uri: string;
  readonly displayName?: string | undefined;
  /** RFC 5364 §4.2 copyControl; `to` when absent. */
  readonly copyControl: CopyControl;
  /** RFC 5364 §4.3 anonymize: hide this recipient's URI from the others. */
  readonly anonymize: boolean;
}

/** Options of {@link parseResourceLists}. */
export interface ResourceListsOptions {
  /** @defaultValue {@link RESOURCE_LISTS_MAX_ENTRIES} */
  readonly maxEntries?: number;
  readonly xmlLimits?: Partial<SafeXmlLimits>;
}

function malformed(detail: string, meta?: Record<string, unknown>): never {
  throw heraldError('GW_ERR_RESOURCE_LISTS_MALFORMED', detail, meta === undefined ? undefined : { meta });
}

/**
 * Parses a resource-lists document into a flat recipient list: nested `<list>`s are
 * flattened in document order, and a URI seen twice (compared with scheme and host
 * lower-cased, see {@link recipientKey}) is kept once, as first written.
 *
 * @throws GW_ERR_XML_FORBIDDEN, GW_ERR_XML_LIMIT, GW_ERR_XML_MALFORMED from the XML reader.
 * @throws GW_ERR_RESOURCE_LISTS_MALFORMED when the root is not `resource-lists`, an entry
 *   has no uri, copyControl/anonymize hold unknown values (guessing could expose a bcc),
 *   the list uses `external`/`entry-ref` (RFC 5365 §4 recipients must be explicit, and
 *   fetching them would be I/O on a sender's say-so), or it has more than `maxEntries`
 *   entries (`meta.maxEntries`).
 */
export function parseResourceLists(input: Buffer | string, options: ResourceListsOptions = {}): ResourceListEntry[] {
  const maxEntries = options.maxEntries ?? RESOURCE_LISTS_MAX_ENTRIES;
  return guardCodec('GW_ERR_RESOURCE_LISTS_MALFORMED', 'resource-lists', () => {
    const root = parseXml(input, options.xmlLimits);
    if (root.name !== 'resource-lists') malformed(`root element is <${root.name}>, not <resource-lists>`);
    const entries: ResourceListEntry[] = [];
    const seen = new Set<string>();
    let count = 0;
    const walk = (el: XmlElement): void => {
      for (const child of el.children) {
        if (child.name === 'list') walk(child);
        else if (child.name === 'external' || child.name === 'entry-ref') malformed(`<${child.name}> references are not accepted`);
        else if (child.name === 'entry') {
          count += 1;
          if (count > maxEntries) malformed(`more than ${maxEntries} entries`, { maxEntries });
          const entry = readEntry(child);
          const key = recipientKey(entry.uri);
          if (!seen.has(key)) {
            seen.add(key);
            entries.push(entry);
          }
        }
      }
    };
    walk(root);
    return entries;
  });
}

function readEntry(el: XmlElement): ResourceListEntry {
  const uri = el.nsAttrs['{}uri']?.trim() ?? '';
  if (uri === '') malformed('<entry> without uri');
  const cc = (el.nsAttrs[`{${COPY_CONTROL_NS}}copyControl`] ?? el.attrs['copyControl'])?.trim().toLowerCase();
  if (cc !== undefined && cc !== 'to' && cc !== 'cc' && cc !== 'bcc') malformed(`unknown copyControl ${JSON.stringify(cc.slice(0, 20))}`);
  const anon = (el.nsAttrs[`{${COPY_CONTROL_NS}}anonymize`] ?? el.attrs['anonymize'])?.trim().toLowerCase();
  if (anon !== undefined && !['true', 'false', '1', '0'].includes(anon)) malformed(`unknown anonymize ${JSON.stringify(anon.slice(0, 20))}`);
  const displayName = xmlChildText(el, 'display-name');
  return {
    uri,
    ...(displayName === undefined ? {} : { displayName }),
    copyControl: cc ?? 'to',
    anonymize: anon === 'true' || anon === '1',
  };
}

/**
 * The de-duplication key of a recipient URI: scheme lower-cased and, for URIs with a host
 * (`user@host`, or sip:host), the host lower-cased, parameters and headers kept as they are.
 * User parts stay case-sensitive (RFC 3261 §19.1.4 compares them case-sensitively).
 */
export function recipientKey(uri: string): string {
  const colon = uri.indexOf(':');
  if (colon === -1) return uri;
  const scheme = uri.slice(0, colon).toLowerCase();
  const rest = uri.slice(colon + 1);
  const paramStart = rest.search(/[;?]/);
  const main = paramStart === -1 ? rest : rest.slice(0, paramStart);
  const tail = paramStart === -1 ? '' : rest.slice(paramStart);
  const at = main.lastIndexOf('@');
  let normalised: string;
  if (at !== -1) normalised = main.slice(0, at + 1) + main.slice(at + 1).toLowerCase();
  else if (scheme === 'sip' || scheme === 'sips') normalised = main.toLowerCase();
  else normalised = main;
  return `${scheme}:${normalised}${tail}`;
}

/**
 * Writes a resource-lists document (RFC 4826 §3, RFC 5364 §4) with one `<list>`, every
 * entry's copyControl, and anonymize only when true. Compact, no extra whitespace.
 *
 * @throws GW_ERR_RESOURCE_LISTS_MALFORMED when an entry's uri is empty.
 */
export function serializeResourceLists(entries: readonly ResourceListEntry[]): string {
  return guardCodec('GW_ERR_RESOURCE_LISTS_MALFORMED', 'resource-lists', () => {
    let xml = `<?xml version="1.0" encoding="UTF-8"?><resource-lists xmlns="${RESOURCE_LISTS_NS}" xmlns:cp="${COPY_CONTROL_NS}"><list>`;
    for (const e of entries) {
      if (e.uri.trim() === '') malformed('cannot write an entry without uri');
      xml += `<entry uri="${escapeXmlAttr(e.uri)}" cp:copyControl="${e.copyControl}"${e.anonymize ? ' cp:anonymize="true"' : ''}`;
      xml += e.displayName === undefined ? '/>' : `><display-name>${escapeXmlText(e.displayName)}</display-name></entry>`;
    }
    return `${xml}</list></resource-lists>`;
  });
}
