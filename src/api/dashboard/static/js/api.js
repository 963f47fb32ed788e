// @ts-check
/**
 * Calls the admin API with the session cookie. State-changing calls echo the readable
 * herald_csrf cookie in X-Herald-CSRF, as the API requires of cookie sessions.
 */

const CSRF_COOKIE = 'herald_csrf';

/** A problem+json answer (or a network failure, status 0). Branch on `code`. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} detail
   */
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

/** @returns {string | undefined} */
function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/**
 * @param {Response} res
 * @returns {Promise<ApiError>}
 */
async function problemOf(res) {
  try {
    const body = /** @type {{ code?: unknown, detail?: unknown, title?: unknown }} */ (await res.json());
    const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`;
    const detail = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : res.statusText;
    return new ApiError(res.status, code, detail);
  } catch {
    return new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  }
}

/**
 * Calls `path` (under /api/v1) and returns the parsed JSON. A 401 also fires
 * `herald:unauthenticated` on window, so the app can show the login.
 * @template T
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<T>}
 * @throws {ApiError}
 */
export async function api(path, options = {}) {
  const method = options.method ?? 'GET';
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const csrf = csrfToken();
  if (method !== 'GET' && csrf !== undefined) headers['x-herald-csrf'] = csrf;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : 'network error');
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && path !== '/session') window.dispatchEvent(new CustomEvent('herald:unauthenticated'));
    throw problem;
  }
  if (res.status === 204) return /** @type {T} */ (/** @type {unknown} */ (undefined));
  return /** @type {T} */ (await res.json());
}

/**
 * A query string of the given values, skipping empty ones.
 * @param {Record<string, string | number | undefined>} params
 */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
