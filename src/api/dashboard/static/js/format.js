// @ts-check
/** How values read on screen: times, states, addresses. */
import { h } from './dom.js';

const FINAL_OK = new Set(['delivered']);
const FINAL_BAD = new Set(['failed', 'expired', 'rejected']);
const NEUTRAL = new Set(['cancelled']);

/**
 * `2025-01-15 14:03:27.123 UTC+01:00` in the browser's time zone, with milliseconds (a
 * receipt and its IMDN are often within one second) and the offset, so a time copied
 * into a ticket means the same to everyone (ISO-like: unambiguous in any locale).
 * @param {string | null | undefined} iso
 */
export function dateTime(iso) {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  /** @param {number} n */
  const two = (n) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0 ? 'UTC' : `UTC${offset > 0 ? '+' : '−'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')} ${zone}`;
}

/**
 * One detail value as text: strings as they are, anything else as compact JSON.
 * @param {unknown} value
 */
export function detailValue(value) {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '—';
  return JSON.stringify(value);
}

/**
 * `14:03` for chart axes.
 * @param {Date} d
 */
export function clock(d) {
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * `3 min ago`, for lists where recency matters more than the exact second.
 * @param {string} iso
 * @param {Date} [now]
 */
export function ago(iso, now = new Date()) {
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/**
 * The colour class of a delivery state: ok, bad, neutral or pending.
 * @param {string} state
 */
export function stateTone(state) {
  if (FINAL_OK.has(state)) return 'ok';
  if (FINAL_BAD.has(state)) return 'bad';
  if (NEUTRAL.has(state)) return 'neutral';
  return 'pending';
}

/**
 * @param {string} state
 * @param {Record<string, string>} [attrs]
 */
export function stateBadge(state, attrs = {}) {
  return h('span', { ...attrs, class: `badge badge-${stateTone(state)}` }, state);
}

/** @param {string} channel */
export function channelTag(channel) {
  return h('span', { class: `chan chan-${channel}` }, channel.toUpperCase());
}

/**
 * @param {number | null} rate 0..1
 */
export function percent(rate) {
  if (rate === null) return '—';
  const value = rate * 100;
  return `${value >= 99.95 || value === 0 ? value.toFixed(0) : value.toFixed(1)} %`;
}

/**
 * @param {number} n
 */
export function count(n) {
  return n.toLocaleString('en');
}

/**
 * A count with its noun, singular for exactly one ("1 event", "2 events", "0 events").
 * @param {number} n
 * @param {string} one the singular noun
 * @param {string} [many] the plural, when it is not `one` + "s"
 */
export function counted(n, one, many = `${one}s`) {
  return `${count(n)} ${n === 1 ? one : many}`;
}
