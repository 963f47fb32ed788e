// @ts-check
/**
 * A small SVG line chart, drawn by hand so the dashboard needs no library and no
 * network. Values become coordinates and text nodes only; nothing is parsed as markup.
 */
import { svg } from './dom.js';
import { clock } from './format.js';

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 16, bottom: 26, left: 48 };

/**
 * @typedef {object} Series
 * @property {string} name
 * @property {string} cls CSS class that colours the line (chan-sms, …)
 * @property {Array<number | null>} values one per bucket; null leaves a gap
 * @property {boolean} [zeroDots] mark zero values too (a 0 % rate is news, 0 deliveries is not)
 */

/**
 * A "nice" upper bound (1, 2, 5 × 10ⁿ) so gridlines fall on round numbers.
 * @param {number} max
 */
function niceMax(max) {
  if (max <= 0) return 4;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 4, 5, 10]) if (max <= step * power) return Math.max(step * power, 4);
  return 10 * power;
}

/**
 * @param {object} options
 * @param {Date[]} options.times start of each bucket
 * @param {Series[]} options.series
 * @param {(value: number) => string} options.format y-axis labels
 * @param {number} [options.max] fixed y maximum (e.g. 1 for rates)
 * @param {string} options.label accessible name
 * @returns {SVGElement}
 */
export function lineChart({ times, series, format, max, label }) {
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const highest = Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
  const top = max ?? niceMax(highest);
  const n = Math.max(times.length - 1, 1);
  /** @param {number} i */
  const x = (i) => PAD.left + (i / n) * innerW;
  /** @param {number} v */
  const y = (v) => PAD.top + innerH - (v / top) * innerH;

  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) =>
    svg(
      'g',
      { class: 'grid' },
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(top * f), y2: y(top * f) }),
      svg('text', { x: PAD.left - 8, y: y(top * f) + 4, 'text-anchor': 'end' }, format(top * f)),
    ),
  );

  const every = Math.max(1, Math.ceil(times.length / 8));
  const ticks = times.flatMap((t, i) =>
    i % every === 0 ? [svg('text', { class: 'tick', x: x(i), y: HEIGHT - 6, 'text-anchor': 'middle' }, clock(t))] : [],
  );

  const lines = series.map((s) => {
    // Split at gaps so a bucket with no data is not drawn as a slope to zero.
    /** @type {string[][]} */
    const runs = [[]];
    s.values.forEach((v, i) => {
      if (v === null) runs.push([]);
      else runs[runs.length - 1]?.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    });
    const dots = s.values.flatMap((v, i) => {
      const t = times[i];
      if (v === null || t === undefined || (v === 0 && s.zeroDots !== true)) return [];
      return [svg('circle', { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3 }, svg('title', {}, `${s.name} ${clock(t)}: ${format(v)}`))];
    });
    return svg('g', { class: `series ${s.cls}` }, runs.filter((r) => r.length > 1).map((r) => svg('polyline', { points: r.join(' ') })), dots);
  });

  return svg('svg', { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label }, svg('title', {}, label), grid, ticks, lines);
}
