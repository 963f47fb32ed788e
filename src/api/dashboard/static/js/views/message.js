// @ts-check
/**
 * One message and what happened to it: its deliveries with their final status and
 * reason, SMS parts, far-side ids, and the full event timeline, oldest first.
 */
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { channelTag, counted, dateTime, detailValue, stateBadge, stateTone } from '../format.js';
import { errorNotice, facts } from './common.js';

/** @typedef {import('../types.js').MessageDetail} MessageDetail */
/** @typedef {MessageDetail['deliveries'][number]} DeliveryDetail */
/** @typedef {import('../types.js').TimelineEvent} TimelineEvent */
/** @typedef {import('../types.js').Health} Health */

/** States in which a delivery waits for Herald to hand it on. */
const WAITING = new Set(['accepted', 'queued']);

/** What each channel waits on, by its /readyz check. */
const CHANNEL_CHECK = /** @type {Record<string, string>} */ ({ sms: 'smpp', email: 'smtp', sip: 'sip' });

/** Why a check that is not up holds deliveries back, in an admin's words. */
const CHECK_WORDS = /** @type {Record<string, string>} */ ({
  smpp: 'no SMSC bind is up',
  smtp: 'the SMTP relay is not usable',
  sip: 'the SIP edge is down',
});

/**
 * Why a delivery still waits, or null when it does not: the channel's readiness (no SMSC
 * configured or bound, the relay down or misconfigured) and the newest event that says
 * what the last try met.
 * @param {DeliveryDetail} d
 * @param {TimelineEvent[]} events
 * @param {Health | null} health
 */
export function waitingReason(d, events, health) {
  if (!WAITING.has(d.state)) return null;
  const reasons = [];
  const checkName = CHANNEL_CHECK[d.channel];
  const check = health?.checks.find((c) => c.name === checkName);
  if (check !== undefined && (!check.ok || check.detail === 'none configured')) {
    const words = check.detail === 'none configured' ? `no ${checkName === 'smpp' ? 'SMSC connection' : 'SMTP relay'} is configured` : CHECK_WORDS[check.name] ?? check.name;
    reasons.push(`${words} (${check.name}: ${check.detail})`);
  }
  const last = events.filter((e) => e.deliveryId === d.id && e.toState === null).at(-1);
  const error = last === undefined ? undefined : last.detail.error;
  if (last !== undefined && typeof error === 'string') reasons.push(`last try: ${error}`);
  return reasons.length === 0 ? 'in the queue, not tried yet' : reasons.join('; ');
}

const PREVIEW_CHARS = 2000;

/** @param {MessageDetail} m */
function bodyPreview(m) {
  if (m.body.encoding === 'base64') return h('p', { class: 'muted' }, `${counted(m.body.bytes, 'byte')} of ${m.contentType} (binary, not shown)`);
  const text = m.body.data.length > PREVIEW_CHARS ? `${m.body.data.slice(0, PREVIEW_CHARS)}…` : m.body.data;
  return h('pre', { class: 'body' }, text);
}

/**
 * The MSRP session the message came in: who chatted with whom, over what, from when to
 * when, and a link to every message of the session.
 * @param {NonNullable<MessageDetail['session']>} s
 */
function sessionCard(s) {
  const ended = s.endedAt === null ? 'open (or lost with its process)' : `${dateTime(s.endedAt)}${s.endReason === null ? '' : ` (${s.endReason})`}`;
  return h(
    'section',
    { class: 'card', id: 'session', 'data-session-id': s.id },
    h('header', { class: 'card-head' }, h('h2', {}, s.largeMessageMode ? 'Large Message Mode session' : 'Chat session'), h('span', { class: 'muted' }, s.secure ? 'MSRP over TLS (msrps)' : 'MSRP over TCP')),
    facts([
      ['Session id', h('a', { href: `#/search?session=${encodeURIComponent(s.id)}`, id: 'session-messages' }, h('code', {}, s.id))],
      ['Between', h('span', { class: 'mono' }, `${s.imUser} ⇄ ${s.farParty}`)],
      ['Started', dateTime(s.startedAt)],
      ['Ended', ended],
      ['SIP Call-ID', h('code', {}, s.callId)],
      ['Gateway node', h('code', {}, s.node)],
    ]),
  );
}

/** @param {MessageDetail} m */
function headCard(m) {
  return h(
    'section',
    { class: 'card' },
    h('header', { class: 'card-head' }, h('h2', {}, 'Content'), h('span', { class: 'dir' }, m.direction === 'mt' ? 'IM → SMS / email' : 'SMS / email → IM')),
    facts([
      ['Sender', h('span', { class: 'mono' }, m.senderDisplayName === null ? m.senderUri : `${m.senderDisplayName} <${m.senderUri}>`)],
      ['Sent', dateTime(m.sentAt)],
      ['Accepted', dateTime(m.createdAt)],
      ['Content type', h('code', {}, m.contentType)],
      ['IMDN Message-ID', m.imdnMessageId === null ? '—' : h('code', {}, m.imdnMessageId)],
      ['SIP Call-ID', m.sipCallId === null ? '—' : h('code', {}, m.sipCallId)],
      ...(m.subject === null ? [] : /** @type {Array<[string, string]>} */ ([['Subject', m.subject]])),
    ]),
    bodyPreview(m),
  );
}

/**
 * @param {DeliveryDetail} d
 * @param {string | null} waiting
 */
function deliveryCard(d, waiting) {
  const segments =
    d.segments.length === 0
      ? null
      : h(
          'table',
          { class: 'table compact' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Part'), h('th', {}, 'SMSC'), h('th', {}, 'SMSC id'), h('th', {}, 'State'), h('th', {}, 'Submitted'), h('th', {}, 'Final'))),
          h(
            'tbody',
            {},
            d.segments.map((s) =>
              h(
                'tr',
                {},
                h('td', {}, `${s.seq}/${s.total}`),
                h('td', {}, h('code', {}, s.connectionId)),
                h('td', {}, h('code', {}, s.smscMessageId)),
                h('td', {}, stateBadge(s.state), s.errorCode === null ? '' : h('code', { class: 'err' }, s.errorCode)),
                h('td', {}, dateTime(s.submittedAt)),
                h('td', {}, dateTime(s.finalAt)),
              ),
            ),
          ),
        );
  return h(
    'section',
    { class: `card delivery tone-${stateTone(d.state)}`, 'data-delivery-id': d.id },
    h(
      'header',
      { class: 'delivery-head' },
      h('div', {}, channelTag(d.channel), ' ', h('span', { class: 'mono strong' }, d.targetUri)),
      h('span', { class: `badge badge-lg badge-${stateTone(d.state)}`, 'data-testid': 'delivery-state', 'data-state': d.state }, d.state),
    ),
    waiting === null ? null : h('div', { class: 'notice notice-wait', 'data-testid': 'waiting-reason' }, h('strong', {}, 'Waiting: '), waiting),
    d.errorCode === null && d.errorText === null
      ? null
      : h(
          'div',
          { class: 'notice notice-bad reason' },
          h('strong', {}, 'Reason: '),
          d.reason ?? d.errorText ?? '',
          ' ',
          d.errorCode === null ? '' : h('code', {}, d.errorCode),
          d.reason === null || d.errorText === null || d.reason === d.errorText ? null : h('div', { class: 'muted small' }, `As reported: ${d.errorText}`),
        ),
    facts([
      ['Delivery id', h('code', {}, d.id)],
      ['Addressed to', h('span', { class: 'mono' }, d.originalRecipientUri)],
      ['Last change', dateTime(d.updatedAt)],
      ['Far side', d.farSideAt === null ? '—' : dateTime(d.farSideAt)],
      ...d.correlations.map((c) => /** @type {[string, import('../dom.js').Child]} */ ([c.kind, h('code', {}, c.key)])),
    ]),
    segments === null ? null : [h('h3', {}, 'SMS parts'), segments],
  );
}

/**
 * @param {TimelineEvent} e
 * @param {Map<string, string>} labels short names of the deliveries
 */
function eventItem(e, labels) {
  const entries = Object.entries(e.detail).filter(([, value]) => value !== null && value !== undefined);
  const detail =
    entries.length === 0
      ? null
      : h('dl', { class: 'detail' }, entries.map(([key, value]) => [h('dt', {}, key), h('dd', {}, typeof value === 'string' ? value : h('code', {}, detailValue(value)))]));
  return h(
    'li',
    { class: `event tone-${e.toState === null ? 'info' : stateTone(e.toState)}` },
    h('time', { datetime: e.at }, dateTime(e.at)),
    h(
      'div',
      { class: 'event-main' },
      h('span', { class: 'event-type' }, e.type),
      e.fromState === null && e.toState === null ? null : h('span', { class: 'transition' }, e.fromState === null ? '' : [stateBadge(e.fromState), ' → '], e.toState === null ? '' : stateBadge(e.toState)),
      h('span', { class: 'muted' }, e.cause),
      // What a far-side report means for the IM user (e.g. a `deleted` MDN after `delivered`).
      typeof e.detail.meaning === 'string' ? h('span', { class: 'meaning' }, e.detail.meaning) : null,
      e.deliveryId === null ? null : h('span', { class: 'muted small' }, labels.get(e.deliveryId) ?? e.deliveryId),
      detail,
    ),
  );
}

/** @param {MessageDetail} m */
function timelineCard(m) {
  const labels = new Map(m.deliveries.map((d) => [d.id, `${d.channel.toUpperCase()} ${d.targetUri}`]));
  return h(
    'section',
    { class: 'card', id: 'timeline' },
    h('header', { class: 'card-head' }, h('h2', {}, 'Timeline'), h('span', { class: 'muted' }, `${counted(m.events.length, 'event')}, oldest first`)),
    h('ol', { class: 'timeline' }, m.events.map((e) => eventItem(e, labels))),
  );
}

/**
 * @param {HTMLElement} root
 * @param {string} id
 */
export function showMessage(root, id) {
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted loading' }, 'Loading…'));
  mount(
    root,
    h('div', { class: 'page-head' }, h('div', {}, h('button', { type: 'button', class: 'back', id: 'back', onclick: () => history.back() }, '← Back'), h('h1', {}, 'Message ', h('code', { class: 'title-id' }, id)))),
    body,
  );
  // Readiness says why a waiting delivery waits; the page still shows without it.
  const health = /** @type {Promise<Health>} */ (api('/health/components')).catch(() => null);
  Promise.all([/** @type {Promise<MessageDetail>} */ (api(`/messages/${encodeURIComponent(id)}`)), health])
    .then(([m, h2]) =>
      mount(body, headCard(m), m.session === null ? null : sessionCard(m.session), h('div', { class: 'stack', id: 'deliveries' }, m.deliveries.map((d) => deliveryCard(d, waitingReason(d, m.events, h2)))), timelineCard(m)),
    )
    .catch((/** @type {unknown} */ err) => mount(body, errorNotice(err)));
}
