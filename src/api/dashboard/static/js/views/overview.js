// @ts-check
/**
 * The overview: throughput and success rate per channel, health of the binds and
 * checks, queue depth, and the latest failures. Refreshes itself while shown.
 */
import { api, query } from '../api.js';
import { lineChart } from '../chart.js';
import { h, mount } from '../dom.js';
import { ago, channelTag, count, dateTime, percent } from '../format.js';
import { errorNotice } from './common.js';

/** @typedef {import('../types.js').Throughput} Throughput */
/** @typedef {import('../types.js').Health} Health */
/** @typedef {import('../types.js').QueueCounts} QueueCounts */
/** @typedef {import('../types.js').MessagePage} MessagePage */

const REFRESH_MS = 10_000;
/** Buckets the success-rate line averages over. */
const ROLLING = 5;
const WINDOWS = ['15m', '1h', '6h', '24h'];
const CHANNEL_NAMES = /** @type {Record<string, string>} */ ({ sms: 'SMS', email: 'Email', sip: 'SIP' });

/** @param {Throughput} t */
function kpis(t) {
  return h(
    'div',
    { class: 'kpis' },
    t.channels.map((c) =>
      h(
        'div',
        { class: 'kpi card', 'data-channel': c.channel },
        h('div', { class: 'kpi-head' }, channelTag(c.channel), h('span', { class: 'muted' }, `last ${t.window}`)),
        h('div', { class: 'kpi-value' }, percent(c.successRate)),
        h('div', { class: 'kpi-label' }, 'success rate'),
        h('div', { class: 'kpi-foot' }, h('span', { class: 'ok-text' }, `${count(c.delivered)} delivered`), h('span', { class: c.unsuccessful > 0 ? 'bad-text' : 'muted' }, `${count(c.unsuccessful)} not delivered`)),
      ),
    ),
  );
}

/**
 * Success rate over the last ROLLING buckets at each point: one bucket alone holds a
 * handful of deliveries at low traffic, and its rate would jump between 0 and 100 %.
 * @param {import('../types.js').ThroughputPoint[]} points
 * @returns {Array<number | null>}
 */
function rollingRate(points) {
  return points.map((_, i) => {
    let delivered = 0;
    let finished = 0;
    for (const p of points.slice(Math.max(0, i - ROLLING + 1), i + 1)) {
      delivered += p.delivered;
      finished += p.delivered + p.failed + p.expired + p.rejected;
    }
    return finished === 0 ? null : delivered / finished;
  });
}

/** @param {Throughput} t */
function charts(t) {
  const times = (t.channels[0]?.points ?? []).map((p) => new Date(p.at));
  const perMinute = 60 / t.bucketSeconds;
  const throughput = t.channels.map((c) => ({
    name: CHANNEL_NAMES[c.channel] ?? c.channel,
    cls: `chan-${c.channel}`,
    values: c.points.map((p) => (p.delivered + p.failed + p.expired + p.rejected + p.cancelled) * perMinute),
  }));
  const rates = t.channels.map((c) => ({
    name: CHANNEL_NAMES[c.channel] ?? c.channel,
    cls: `chan-${c.channel}`,
    zeroDots: true,
    values: rollingRate(c.points),
  }));
  const legend = h(
    'ul',
    { class: 'legend' },
    t.channels.map((c) => h('li', { class: `chan-${c.channel}` }, h('span', { class: 'swatch' }), CHANNEL_NAMES[c.channel] ?? c.channel)),
  );
  /** @param {number} v */
  const rateLabel = (v) => `${Math.round(v * 100)} %`;
  /** @param {number} v */
  const perMinLabel = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  return h(
    'div',
    { class: 'grid-2' },
    h(
      'section',
      { class: 'card' },
      h('header', { class: 'card-head' }, h('h2', {}, 'Throughput'), h('span', { class: 'muted' }, 'final deliveries per minute')),
      lineChart({ times, series: throughput, format: perMinLabel, label: 'Final deliveries per minute, by channel' }),
      legend,
    ),
    h(
      'section',
      { class: 'card' },
      h('header', { class: 'card-head' }, h('h2', {}, 'Success rate'), h('span', { class: 'muted' }, `delivered ÷ finished, rolling ${ROLLING} buckets`)),
      lineChart({ times, series: rates, format: rateLabel, max: 1, label: 'Success rate by channel' }),
      legend.cloneNode(true),
    ),
  );
}

/** @param {Health} health */
function healthCard(health) {
  const checks = h(
    'ul',
    { class: 'checks' },
    health.checks.map((c) => h('li', {}, h('span', { class: `dot ${c.ok ? 'dot-ok' : 'dot-bad'}` }), h('strong', {}, c.name), h('span', { class: 'muted' }, c.detail))),
  );
  const smpp = !health.smpp.configured
    ? h('p', { class: 'muted' }, 'No SMSC connection configured: SMS deliveries wait.')
    : h(
        'table',
        { class: 'table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Connection'), h('th', {}, 'State'), h('th', {}, 'Binds'), h('th', {}, 'Window'), h('th', {}, 'Last error'))),
        h(
          'tbody',
          {},
          health.smpp.connections.map((c) =>
            h(
              'tr',
              {},
              h('td', {}, h('code', {}, c.id)),
              h('td', {}, h('span', { class: `badge badge-${c.state === 'up' ? 'ok' : c.state === 'degraded' ? 'pending' : c.state === 'disabled' ? 'neutral' : 'bad'}` }, c.state)),
              h('td', {}, c.binds.map((b) => h('div', { class: 'bind' }, h('span', { class: `dot ${b.state === 'bound' ? 'dot-ok' : 'dot-bad'}` }), `${b.id} ${b.mode} · ${b.state}`))),
              h('td', {}, `${c.window.inFlight} / ${c.window.capacity}`),
              // A bind that is up has nothing wrong to report: an old error would only mislead.
              h('td', { class: 'last-error' }, c.lastError === null || c.state === 'up' ? '—' : `${c.lastError.code}: ${c.lastError.detail}`),
            ),
          ),
        ),
      );
  return h(
    'section',
    { class: 'card', id: 'health' },
    h('header', { class: 'card-head' }, h('h2', {}, 'Health'), h('span', { class: `badge badge-${health.status === 'ready' ? 'ok' : 'bad'}` }, health.status)),
    checks,
    h('h3', {}, 'SMPP binds'),
    smpp,
  );
}

/** @param {QueueCounts[]} queues */
function queuesCard(queues) {
  const cols = /** @type {const} */ (['waiting', 'active', 'delayed', 'failed']);
  return h(
    'section',
    { class: 'card' },
    h('header', { class: 'card-head' }, h('h2', {}, 'Queues'), h('span', { class: 'muted' }, 'jobs now')),
    h(
      'table',
      { class: 'table numeric' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Queue'), cols.map((c) => h('th', {}, c)))),
      h('tbody', {}, queues.map((q) => h('tr', {}, h('td', {}, h('code', {}, q.name)), cols.map((c) => h('td', { class: c === 'failed' && q[c] > 0 ? 'bad-text' : '' }, count(q[c])))))),
    ),
  );
}

/**
 * @param {MessagePage} page
 * @param {(id: string) => void} open
 */
function failuresCard(page, open) {
  const failed = page.items.flatMap((m) => m.deliveries.filter((d) => d.state === 'failed').map((d) => ({ m, d })));
  // Most recently failed first: the list answers "what is breaking now".
  failed.sort((a, b) => (a.d.updatedAt < b.d.updatedAt ? 1 : a.d.updatedAt > b.d.updatedAt ? -1 : 0));
  const rows = failed.map(({ m, d }) =>
        h(
          'tr',
          { class: 'clickable', tabindex: 0, 'data-message-id': m.id, onclick: () => open(m.id), onkeydown: (e) => e instanceof KeyboardEvent && e.key === 'Enter' && open(m.id) },
          h('td', { title: dateTime(d.updatedAt) }, ago(d.updatedAt)),
          h('td', {}, channelTag(d.channel)),
          h('td', { class: 'mono' }, d.targetUri),
          h('td', { class: 'mono' }, m.senderUri),
          h('td', { class: 'wrap' }, d.errorText ?? '', ' ', d.errorCode === null ? '' : h('code', {}, d.errorCode)),
        ),
  );
  return h(
    'section',
    { class: 'card', id: 'failures' },
    h('header', { class: 'card-head' }, h('h2', {}, 'Recent failures'), h('a', { href: '#/search?status=failed' }, 'All failures →')),
    rows.length === 0
      ? h('p', { class: 'empty' }, 'No failed deliveries.')
      : h('table', { class: 'table' }, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Channel'), h('th', {}, 'Recipient'), h('th', {}, 'Sender'), h('th', {}, 'Reason'))), h('tbody', {}, rows)),
  );
}

/**
 * Shows the overview in `root`; returns the function that stops its refresh.
 * @param {HTMLElement} root
 * @param {{ open: (id: string) => void }} nav
 * @returns {() => void}
 */
export function showOverview(root, nav) {
  let selected = '1h';
  let timer = 0;
  let stopped = false;
  const picker = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': 'Time window' },
    WINDOWS.map((w) =>
      h('button', { type: 'button', 'data-window': w, 'aria-pressed': String(w === selected), onclick: () => ((selected = w), void refresh()) }, w),
    ),
  );
  const updated = h('span', { class: 'muted' });
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted loading' }, 'Loading…'));
  mount(root, h('div', { class: 'page-head' }, h('h1', {}, 'Overview'), h('div', { class: 'page-tools' }, updated, picker)), body);

  async function refresh() {
    for (const b of picker.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.window === selected));
    try {
      const [throughput, health, queues, failures] = await Promise.all([
        api(`/stats/throughput${query({ window: selected })}`),
        api('/health/components'),
        api('/queues'),
        api(`/messages${query({ status: 'failed', limit: 10 })}`),
      ]);
      if (stopped) return;
      mount(
        body,
        kpis(/** @type {Throughput} */ (throughput)),
        charts(/** @type {Throughput} */ (throughput)),
        h('div', { class: 'grid-2' }, healthCard(/** @type {Health} */ (health)), queuesCard(/** @type {{ items: QueueCounts[] }} */ (queues).items)),
        failuresCard(/** @type {MessagePage} */ (failures), nav.open),
      );
      updated.textContent = `Updated ${dateTime(new Date().toISOString()).slice(11)}`;
    } catch (err) {
      if (!stopped) mount(body, errorNotice(err));
    }
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => void refresh(), REFRESH_MS);
  }
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
