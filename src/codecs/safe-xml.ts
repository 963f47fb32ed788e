/**
 * A small, safe XML reader for the documents SIP peers send (IMDN, isComposing,
 * resource-lists), built on `saxes` (a non-validating, namespace-aware XML 1.0 parser).
 *
 * Safety, because these bodies come from anyone who can send a SIP MESSAGE:
 * - No DOCTYPE at all, so no DTD, no entity declarations, no external entities and no
 *   entity expansion (billion laughs, XXE): refused with GW_ERR_XML_FORBIDDEN. The input is
 *   scanned for `<!DOCTYPE`/`<!ENTITY` before parsing, so even a literal one inside CDATA or
 *   a comment is refused: none of our documents has a reason to carry one.
 * - Only the five predefined entities and character references are read; any other
 *   entity reference is GW_ERR_XML_FORBIDDEN.
 * - Processing instructions other than the XML declaration are ignored (they carry no data
 *   any of our documents use); comments are ignored.
 * - Bounded size, depth, element count, attribute count and length, and text length:
 *   GW_ERR_XML_LIMIT with the limit in `meta`.
 * - Anything else not well-formed (XML 1.0, Namespaces in XML 1.0) is GW_ERR_XML_MALFORMED.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { heraldError } from '../errors.js';
import { guardCodec } from './guard.js';

/** Largest document read. Real IMDN/isComposing bodies are under 1 KiB and a 100-entry
 * resource list under 20 KiB; 256 KiB leaves room for verbose peers while bounding the
 * parse time and memory an unauthenticated peer can cost us. */
export const XML_MAX_BYTES = 256 * 1024;
/** Deepest element nesting. Our documents nest at most 5 levels (resource-lists with a few
 * nested lists); deep nesting only serves stack- and CPU-exhaustion attacks. */
export const XML_MAX_DEPTH = 32;
/** Most elements in one document: a 100-entry recipient list with display names is ~300. */
export const XML_MAX_ELEMENTS = 5_000;
/** Most attributes on one element: real elements carry 1-5; bounds hash-flooding work. */
export const XML_MAX_ATTRIBUTES = 32;
/** Longest attribute value: a URI (SIP URIs with parameters stay well under 1 KiB). */
export const XML_MAX_ATTRIBUTE_LENGTH = 4_096;
/** Longest text of one element: subjects, display names and reasons are short; this bounds
 * what a single value can make us store and later relay. */
export const XML_MAX_TEXT_LENGTH = 16 * 1024;

/** Limits for {@link parseXml}; each defaults to the constant of the same name. */
export interface SafeXmlLimits {
  /** @defaultValue {@link XML_MAX_BYTES} */
  readonly maxBytes: number;
  /** @defaultValue {@link XML_MAX_DEPTH} */
  readonly maxDepth: number;
  /** @defaultValue {@link XML_MAX_ELEMENTS} */
  readonly maxElements: number;
  /** @defaultValue {@link XML_MAX_ATTRIBUTES} */
  readonly maxAttributes: number;
  /** @defaultValue {@link XML_MAX_ATTRIBUTE_LENGTH} */
  readonly maxAttributeLength: number;
  /** @defaultValue {@link XML_MAX_TEXT_LENGTH} */
  readonly maxTextLength: number;
}

/** One element of a parsed document. */
export interface XmlElement {
  /** Local name (`status` for `<cpm:status>`). */
  readonly name: string;
  /** Namespace URI, `''` when the element is in no namespace. */
  readonly ns: string;
  /** Attribute values by local name (namespace declarations excluded). When a prefixed and
   * an unprefixed attribute share a local name, the unprefixed one is kept here. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Attribute values keyed `{namespace-uri}local` (`{}local` for no namespace). */
  readonly nsAttrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own character data (text and CDATA), concatenated, untrimmed. */
  readonly text: string;
}

interface MutableElement {
  name: string;
  ns: string;
  attrs: Record<string, string>;
  nsAttrs: Record<string, string>;
  children: MutableElement[];
  text: string;
}

const DEFAULT_LIMITS: SafeXmlLimits = {
  maxBytes: XML_MAX_BYTES,
  maxDepth: XML_MAX_DEPTH,
  maxElements: XML_MAX_ELEMENTS,
  maxAttributes: XML_MAX_ATTRIBUTES,
  maxAttributeLength: XML_MAX_ATTRIBUTE_LENGTH,
  maxTextLength: XML_MAX_TEXT_LENGTH,
};

const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';
// Checked before parsing as well as by the doctype handler: refusing on sight means a
// hostile internal subset is never even tokenised, whatever saxes would do with it.
const FORBIDDEN_MARKUP = /<!(DOCTYPE|ENTITY)/i;
const DECLARED_ENCODING = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function nullRecord(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

function limitError(what: string, limit: number, key: string): never {
  throw heraldError('GW_ERR_XML_LIMIT', `${what} exceeds ${limit}`, { meta: { [key]: limit } });
}

function decode(input: Buffer | string, maxBytes: number): string {
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > maxBytes) limitError('document size', maxBytes, 'maxBytes');
    return input.startsWith('\uFEFF') ? input.slice(1) : input;
  }
  if (input.length > maxBytes) limitError('document size', maxBytes, 'maxBytes');
  let bytes = input;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const declared = DECLARED_ENCODING.exec(bytes.toString('latin1', 0, Math.min(bytes.length, 256)))?.[1];
  const encoding = declared?.toLowerCase();
  if (encoding === 'iso-8859-1' || encoding === 'latin1' || encoding === 'latin-1') return bytes.toString('latin1');
  if (encoding !== undefined && encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'us-ascii' && encoding !== 'ascii') {
    throw heraldError('GW_ERR_XML_MALFORMED', `unsupported encoding ${JSON.stringify(declared)}`);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw heraldError('GW_ERR_XML_MALFORMED', 'document is not valid UTF-8');
  }
}

/**
 * Parses one XML document into an element tree.
 *
 * @param input - the document; a Buffer is decoded as UTF-8 (or ISO-8859-1 when declared).
 * @throws GW_ERR_XML_FORBIDDEN for a DOCTYPE/DTD or an entity other than the predefined five.
 * @throws GW_ERR_XML_LIMIT when a {@link SafeXmlLimits} limit is exceeded (`meta` names it).
 * @throws GW_ERR_XML_MALFORMED for anything not well-formed XML 1.0 with namespaces.
 */
export function parseXml(input: Buffer | string, limits: Partial<SafeXmlLimits> = {}): XmlElement {
  const lim: SafeXmlLimits = { ...DEFAULT_LIMITS, ...limits };
  return guardCodec('GW_ERR_XML_MALFORMED', 'XML', () => {
    const text = decode(input, lim.maxBytes);
    if (FORBIDDEN_MARKUP.test(text)) {
      throw heraldError('GW_ERR_XML_FORBIDDEN', 'DOCTYPE and entity declarations are not accepted');
    }
    return runParser(text, lim);
  });
}

function runParser(text: string, lim: SafeXmlLimits): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  // saxes keeps its entity table on a plain object, so `&constructor;` would resolve through
  // Object.prototype; a prototype-free table admits exactly the five XML entities.
  parser.ENTITIES = Object.assign(nullRecord(), { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" });

  const stack: MutableElement[] = [];
  let root: MutableElement | undefined;
  let elements = 0;

  parser.on('error', (err: Error) => {
    if (/undefined entity/.test(err.message)) {
      throw heraldError('GW_ERR_XML_FORBIDDEN', `entity reference refused (${err.message})`);
    }
    throw heraldError('GW_ERR_XML_MALFORMED', err.message);
  });
  parser.on('doctype', () => {
    throw heraldError('GW_ERR_XML_FORBIDDEN', 'DOCTYPE is not accepted');
  });
  parser.on('opentagstart', () => {
    elements += 1;
    if (elements > lim.maxElements) limitError('element count', lim.maxElements, 'maxElements');
    if (stack.length + 1 > lim.maxDepth) limitError('nesting depth', lim.maxDepth, 'maxDepth');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const el: MutableElement = { name: tag.local, ns: tag.uri, attrs: nullRecord(), nsAttrs: nullRecord(), children: [], text: '' };
    const attributes = Object.values(tag.attributes);
    if (attributes.length > lim.maxAttributes) limitError('attribute count', lim.maxAttributes, 'maxAttributes');
    for (const attr of attributes) {
      if (attr.uri === XMLNS_NAMESPACE || attr.name === 'xmlns') continue;
      if (attr.value.length > lim.maxAttributeLength) {
        limitError('attribute length', lim.maxAttributeLength, 'maxAttributeLength');
      }
      el.nsAttrs[`{${attr.uri}}${attr.local}`] = attr.value;
      if (attr.prefix === '' || !(attr.local in el.attrs)) el.attrs[attr.local] = attr.value;
    }
    const parent = stack[stack.length - 1];
    if (parent === undefined) root = el;
    else parent.children.push(el);
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const onText = (chunk: string): void => {
    const current = stack[stack.length - 1];
    if (current === undefined) return; // whitespace around the root; saxes refuses the rest
    current.text += chunk;
    if (current.text.length > lim.maxTextLength) limitError('text length', lim.maxTextLength, 'maxTextLength');
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.write(text);
  parser.close();
  if (root === undefined) throw heraldError('GW_ERR_XML_MALFORMED', 'no root element');
  return root;
}

// XML 1.0 Char production: anything else cannot be written at all, even as a reference.
const NOT_XML_CHAR = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/**
 * Escapes text for element content. Characters XML 1.0 cannot carry at all (most C0
 * controls, lone surrogates, U+FFFE/U+FFFF) become U+FFFD, because a notification or list
 * must still go out when a far-side text holds them. CR is written as `&#13;` so it
 * survives the parser's line-end normalisation.
 */
export function escapeXmlText(value: string): string {
  return value
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/**
 * Escapes an attribute value for use inside double quotes; tab, LF and CR are written as
 * character references so attribute-value normalisation does not turn them into spaces.
 */
export function escapeXmlAttr(value: string): string {
  return escapeXmlText(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

/** Child elements with local name `name` (and namespace `ns` when given). */
export function xmlChildren(el: XmlElement, name: string, ns?: string): XmlElement[] {
  return el.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** The first child element with local name `name` (and namespace `ns` when given). */
export function xmlChild(el: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** Trimmed text of the first child named `name`, or `undefined` when absent or empty. */
export function xmlChildText(el: XmlElement, name: string): string | undefined {
  const text = xmlChild(el, name)?.text.trim();
  return text === undefined || text === '' ? undefined : text;
}
