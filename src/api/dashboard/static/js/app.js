// @ts-check
/**
 * The dashboard's entry: who is signed in, the header, and a hash router
 * (#/ overview, #/search?term=…, #/messages/<id>), so links and the back button work
 * without any server-side routes.
 */
import { api } from './api.js';
import { byId, h, mount } from './dom.js';
import { showLogin } from './views/login.js';
import { showMessage } from './views/message.js';
import { showOverview } from './views/overview.js';
import { showSearch } from './views/search.js';

/** @typedef {import('./types.js').Me} Me */

const main = byId('main');
const topbar = byId('topbar');
const searchForm = /** @type {HTMLFormElement} */ (byId('search-form'));
const searchInput = /** @type {HTMLInputElement} */ (byId('search-input'));

/** @type {Me | null} */
let me = null;
/** @type {() => void} */
let leaveView = () => {};

/** @param {string} id */
function openMessage(id) {
  location.hash = `#/messages/${encodeURIComponent(id)}`;
}

const nav = { open: openMessage };

function renderHeader() {
  if (me === null) {
    topbar.hidden = true;
    return;
  }
  topbar.hidden = false;
  const route = location.hash.split('?')[0] ?? '';
  /** @param {string} href @param {string} text @param {boolean} active */
  const link = (href, text, active) => h('a', { href, class: active ? 'active' : '', 'aria-current': active ? 'page' : undefined }, text);
  mount(
    byId('nav'),
    link('#/', 'Overview', route === '' || route === '#/'),
    link('#/search', 'Messages', route.startsWith('#/search') || route.startsWith('#/messages')),
    me.role === 'admin' ? h('a', { href: '/admin/queues', target: '_blank', rel: 'noopener' }, 'Job queues ↗') : null,
    h('a', { href: '/api/docs', target: '_blank', rel: 'noopener' }, 'API ↗'),
  );
  const logout = h('button', { type: 'button', class: 'btn btn-ghost', id: 'logout' }, 'Sign out');
  logout.addEventListener('click', () => {
    api('/session', { method: 'DELETE' })
      .catch(() => undefined)
      .finally(() => {
        me = null;
        route_();
      });
  });
  mount(byId('who'), h('span', { class: 'who-name' }, me.name), h('span', { class: `role role-${me.role}` }, me.role), logout);
}

/** Shows the view the hash names. */
function route_() {
  leaveView();
  leaveView = () => {};
  renderHeader();
  if (me === null) {
    showLogin(main, () => void start());
    return;
  }
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  const message = /^\/messages\/(.+)$/.exec(path);
  if (message?.[1] !== undefined) {
    showMessage(main, decodeURIComponent(message[1]));
  } else if (path === '/search') {
    const term = params.get('term') ?? undefined;
    searchInput.value = term ?? '';
    showSearch(main, { term, status: params.get('status') ?? undefined, session: params.get('session') ?? undefined }, nav);
  } else {
    leaveView = showOverview(main, nav);
  }
  window.scrollTo(0, 0);
}

/** Asks who is signed in (the session cookie is HttpOnly, so only the API knows). */
async function start() {
  try {
    me = /** @type {Me} */ (await api('/session'));
  } catch {
    me = null;
  }
  route_();
}

searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const term = searchInput.value.trim();
  if (term !== '') location.hash = `#/search?term=${encodeURIComponent(term)}`;
});
window.addEventListener('hashchange', route_);
window.addEventListener('herald:unauthenticated', () => {
  me = null;
  route_();
});
void start();
