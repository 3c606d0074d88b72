/**
 * `fleetq sim --plot FILE.svg`: queue length and utilization over the replay, as one SVG with two
 * panels sharing the time axis. Hand-written (a few polylines): no plotting library is worth a
 * dependency for this. Long timelines are reduced to at most `width` points per panel, keeping each
 * column's maximum so peaks stay visible.
 */
import type { TimelinePoint } from './replay.js';

export interface PlotOptions { title: string; procs: number; width?: number }

/** Reduces points to ≤ cols columns over [t0, t1], each the max of its points (queue) / busy. */
function columns(pts: readonly TimelinePoint[], cols: number): Array<{ t: number; queued: number; busy: number }> {
  if (pts.length <= cols) return [...pts];
  const t0 = pts[0]!.t, t1 = pts[pts.length - 1]!.t;
  const span = Math.max(1, t1 - t0);
  const out: Array<{ t: number; queued: number; busy: number }> = [];
  let col = -1;
  for (const p of pts) {
    const c = Math.min(cols - 1, Math.floor(((p.t - t0) / span) * cols));
    if (c !== col) { out.push({ t: p.t, queued: p.queued, busy: p.busy }); col = c; continue; }
    const last = out[out.length - 1]!;
    last.queued = Math.max(last.queued, p.queued);
    last.busy = Math.max(last.busy, p.busy);
  }
  return out;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SVG text. Time on x in days from the first event; queue length and utilization (%) on y. */
export function plotSvg(points: readonly TimelinePoint[], o: PlotOptions): string {
  const W = o.width ?? 1000, H = 260, L = 60, R = 20, T = 30;
  const pts = columns(points, W - L - R);
  const t0 = pts[0]?.t ?? 0, t1 = pts[pts.length - 1]?.t ?? 1;
  const days = Math.max(1e-9, (t1 - t0) / 86400);
  const maxQ = Math.max(1, ...pts.map((p) => p.queued));
  const x = (t: number): number => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const panel = (top: number, label: string, max: number, value: (p: TimelinePoint) => number, colour: string, unit: string): string => {
    const y = (v: number): number => top + H - (v / max) * H;
    const line = pts.map((p) => `${x(p.t).toFixed(1)},${y(value(p)).toFixed(1)}`).join(' ');
    return [
      `<rect x="${L}" y="${top}" width="${W - L - R}" height="${H}" fill="none" stroke="#999"/>`,
      `<text x="${L - 6}" y="${top + 10}" text-anchor="end" font-size="11">${max}${unit}</text>`,
      `<text x="${L - 6}" y="${top + H}" text-anchor="end" font-size="11">0</text>`,
      `<text x="${L + 6}" y="${top + 14}" font-size="12">${esc(label)}</text>`,
      `<polyline fill="none" stroke="${colour}" stroke-width="1" points="${line}"/>`,
    ].join('\n');
  };
  const top2 = T + H + 40;
  const height = top2 + H + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif">`,
    `<text x="${L}" y="18" font-size="14">${esc(o.title)}</text>`,
    panel(T, 'jobs waiting', maxQ, (p) => p.queued, '#c0392b', ''),
    panel(top2, `utilization (busy of ${o.procs} processors)`, 100, (p) => (100 * p.busy) / o.procs, '#2471a3', '%'),
    `<text x="${L}" y="${height - 12}" font-size="11">0 d</text>`,
    `<text x="${W - R}" y="${height - 12}" text-anchor="end" font-size="11">${days.toFixed(1)} d</text>`,
    '</svg>',
    '',
  ].join('\n');
}
