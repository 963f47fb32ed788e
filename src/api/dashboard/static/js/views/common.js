// @ts-check
/** Pieces several views share. */
import { ApiError } from '../api.js';
import { h } from '../dom.js';

/**
 * What went wrong, for the page (the code is what support asks for).
 * @param {unknown} err
 */
export function errorNotice(err) {
  if (err instanceof ApiError) {
    return h('div', { class: 'notice notice-bad', role: 'alert' }, h('strong', {}, err.status === 0 ? 'Cannot reach Herald' : `Error ${err.status}`), ' ', err.detail, ' ', h('code', {}, err.code));
  }
  return h('div', { class: 'notice notice-bad', role: 'alert' }, err instanceof Error ? err.message : 'Something went wrong');
}

/**
 * Label, value rows.
 * @param {Array<[string, import('../dom.js').Child]>} rows
 */
export function facts(rows) {
  return h('dl', { class: 'facts' }, rows.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}
