// @ts-check
/**
 * Builds DOM nodes from data without ever parsing HTML: text goes in as text nodes and
 * attributes through setAttribute, so nothing a sender or an SMSC wrote can become markup.
 */

/** @typedef {string | number | Node | null | undefined | false} Leaf */
/** @typedef {Leaf | ReadonlyArray<Leaf | ReadonlyArray<Leaf | ReadonlyArray<Leaf>>>} Child nested lists flatten (three levels is what views need) */
/** @typedef {Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>} Attrs */

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * @param {Element} el
 * @param {Attrs} attrs
 */
function applyAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, ''), value);
    } else if (name === 'style' || name === 'innerHTML' || /^on/i.test(name)) {
      // Inline styles and handlers are refused by the CSP anyway; fail loudly in development.
      throw new Error(`attribute ${name} is not allowed`);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

/**
 * @param {Element} el
 * @param {ReadonlyArray<Child>} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, /** @type {ReadonlyArray<Child>} */ (child));
    else if (typeof child === 'string' || typeof child === 'number') el.append(document.createTextNode(String(child)));
    else if (child instanceof Node) el.append(child);
  }
}

/**
 * An HTML element. Attributes whose value is a function are event listeners (`onclick`).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * Replaces everything inside `el`.
 * @param {Element} el
 * @param {...Child} children
 */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing from index.html`);
  return el;
}
