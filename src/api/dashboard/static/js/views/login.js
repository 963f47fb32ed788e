// @ts-check
/**
 * Login: the operator pastes an API token; POST /api/v1/session turns it into an
 * HttpOnly session cookie, so the token itself is never kept by the browser.
 */
import { api, ApiError } from '../api.js';
import { h, mount } from '../dom.js';

/** @typedef {{ name: string, role: 'viewer' | 'admin', expiresAt: string, csrfToken: string }} LoginAnswer */

/**
 * @param {HTMLElement} root
 * @param {() => void} onLogin
 */
export function showLogin(root, onLogin) {
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'hrld_…',
    'aria-describedby': 'token-help',
  });
  const message = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login-form', id: 'login-form' },
    h('label', { for: 'token' }, 'API token'),
    token,
    h('p', { class: 'help', id: 'token-help' }, 'Create one with ', h('code', {}, 'herald token create --name you --role viewer'), '.'),
    message,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    api('/session', { method: 'POST', body: { token: token.value.trim() } })
      .then(() => {
        token.value = '';
        onLogin();
      })
      .catch((/** @type {unknown} */ err) => {
        const known = err instanceof ApiError;
        message.textContent =
          known && err.code === 'GW_ERR_API_UNAUTHENTICATED'
            ? 'That token is unknown or revoked.'
            : known && err.code === 'GW_ERR_API_RATE_LIMITED'
              ? 'Too many failed attempts. Wait a minute and try again.'
              : known
                ? `${err.detail} (${err.code})`
                : 'Sign-in failed.';
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  mount(
    root,
    h(
      'div',
      { class: 'login' },
      h(
        'div',
        { class: 'card login-card' },
        h('div', { class: 'login-brand' }, h('img', { src: 'favicon.svg', alt: '', width: 40, height: 40 }), h('div', {}, h('h1', {}, 'Herald'), h('p', { class: 'muted' }, 'SIP IM ⇄ SMS / email gateway'))),
        form,
      ),
    ),
  );
  token.focus();
}
