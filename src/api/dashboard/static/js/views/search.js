// @ts-check
/**
 * Finds messages by what an operator has at hand: a number, an email address, a URI
 * (any part of a sender or recipient), or an exact id (message, delivery, IMDN, Call-ID,
 * SMSC or email id). The three searches run at once and their results are merged. A
 * session id (from a message's session card) lists the messages of that MSRP session.
 */
import { api, query } from '../api.js';
import { h, mount } from '../dom.js';
import { ago, channelTag, dateTime, stateBadge } from '../format.js';
import { errorNotice } from './common.js';

/** @typedef {import('../types.js').MessagePage} MessagePage */
/** @typedef {import('../types.js').MessageSummary} MessageSummary */

const LIMIT = 50;

/**
 * @param {{ term?: string, status?: string, session?: string }} criteria
 * @returns {Promise<MessageSummary[]>}
 */
async function find(criteria) {
  const { term, status, session } = criteria;
  /** @type {Array<Record<string, string | number | undefined>>} */
  const searches =
    session !== undefined
      ? [{ session, status }]
      : term === undefined || term === ''
      ? [{ status }]
      : // The API filters by substring and is case-insensitive; `q` is exact, so send it as typed.
        [{ recipient: term, status }, { sender: term, status }, { q: term, status }];
  const pages = await Promise.all(searches.map((s) => /** @type {Promise<MessagePage>} */ (api(`/messages${query({ ...s, limit: LIMIT })}`))));
  /** @type {Map<string, MessageSummary>} */
  const byId = new Map();
  for (const page of pages) for (const item of page.items) byId.set(item.id, item);
  // Ids are UUIDv7: sorting them sorts by acceptance time, newest first.
  return [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/**
 * @param {MessageSummary} m
 * @param {(id: string) => void} open
 */
function row(m, open) {
  return h(
    'tr',
    { class: 'clickable', tabindex: 0, 'data-message-id': m.id, onclick: () => open(m.id), onkeydown: (e) => e instanceof KeyboardEvent && e.key === 'Enter' && open(m.id) },
    h('td', { title: dateTime(m.createdAt) }, dateTime(m.createdAt), h('div', { class: 'muted small' }, ago(m.createdAt))),
    h('td', {}, h('span', { class: 'dir' }, m.direction === 'mt' ? 'IM → out' : 'in → IM'), m.session === null ? null : h('div', { class: 'muted small', title: `MSRP session ${m.session.id}` }, 'session')),
    h('td', { class: 'mono' }, m.senderUri),
    h(
      'td',
      {},
      m.deliveries.map((d) => h('div', { class: 'recipient' }, channelTag(d.channel), h('span', { class: 'mono' }, d.targetUri), stateBadge(d.state))),
    ),
  );
}

/**
 * @param {HTMLElement} root
 * @param {{ term?: string, status?: string, session?: string }} criteria
 * @param {{ open: (id: string) => void }} nav
 */
export function showSearch(root, criteria, nav) {
  const title = criteria.session ? `Messages of MSRP session ${criteria.session}` : criteria.term ? `Messages matching “${criteria.term}”` : criteria.status ? `Messages with a ${criteria.status} delivery` : 'Latest messages';
  const body = h('div', {}, h('p', { class: 'muted loading' }, 'Searching…'));
  mount(root, h('div', { class: 'page-head' }, h('h1', {}, title)), h('section', { class: 'card', id: 'results' }, body));
  find(criteria)
    .then((items) => {
      if (items.length === 0) {
        mount(body, h('p', { class: 'empty' }, 'No message found. Numbers and addresses match any part; ids must be exact.'));
        return;
      }
      if (items.length === 1 && criteria.term !== undefined && items[0]?.id === criteria.term) {
        nav.open(criteria.term);
        return;
      }
      mount(
        body,
        h('p', { class: 'muted small' }, `${items.length} message${items.length === 1 ? '' : 's'}, newest first`),
        h(
          'table',
          { class: 'table', id: 'results-table' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Accepted'), h('th', {}, 'Direction'), h('th', {}, 'Sender'), h('th', {}, 'Deliveries'))),
          h('tbody', {}, items.map((m) => row(m, nav.open))),
        ),
      );
    })
    .catch((/** @type {unknown} */ err) => mount(body, errorNotice(err)));
}
