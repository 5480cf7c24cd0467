/**
 * Charts in plain SVG. Each revision gets a slot (0–5, by name order) that fixes
 * both its colour (a --vscode-charts-* variable) and its fill pattern (solid,
 * stripes, dots, cross-hatch, horizontal, vertical), so revisions differ by more
 * than hue; labels and counts are text beside or inside the bars.
 */
import type { RevisionCount, RevisionSlice } from '../../src/istio/proxystatus';
import { s } from './dom';

export const SLOTS = 6;

/** Revision → slot, stable for a given set of revision names. */
export class RevisionSlots {
  private map = new Map<string, number>();
  /** Changes whenever the mapping does (rows keyed on it re-render). */
  key = '';
  update(names: string[]): void {
    const sorted = [...new Set(names)].sort();
    this.map = new Map(sorted.map((n, i) => [n, i % SLOTS]));
    this.key = sorted.join('\n');
  }
  slot(rev: string): number {
    return this.map.get(rev) ?? SLOTS - 1;
  }
  cls(rev: string): string {
    return `seg rev-${this.slot(rev)}`;
  }
}

/** The pattern definitions, once per document; bars reference them by class (fill: url(#rev-pat-N)). */
export function patternDefs(): SVGSVGElement {
  const defs = s('defs');
  const paths = [
    '', // solid
    'M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2', // diagonal stripes
    '', // dots (circle below)
    'M0,0 L6,6 M6,0 L0,6', // cross-hatch
    'M0,3 L6,3', // horizontal
    'M3,0 L3,6', // vertical
  ];
  for (let i = 0; i < SLOTS; i++) {
    const p = s(
      'pattern',
      { id: `rev-pat-${i}`, width: 6, height: 6, patternUnits: 'userSpaceOnUse' },
      s('rect', { class: `pat-bg rev-bg-${i}`, width: 6, height: 6 }),
    );
    if (i === 2) p.appendChild(s('circle', { class: 'pat-dot', cx: 3, cy: 3, r: 1.3 }));
    else if (paths[i]) p.appendChild(s('path', { class: 'pat-ink', d: paths[i] }));
    defs.appendChild(p);
  }
  return s('svg', { class: 'defs', width: 0, height: 0, 'aria-hidden': 'true', focusable: 'false' }, defs);
}

export function swatch(slots: RevisionSlots, rev: string): SVGSVGElement {
  return s(
    'svg',
    { class: 'swatch', width: 14, height: 14, viewBox: '0 0 14 14', 'aria-hidden': 'true', focusable: 'false' },
    s('rect', { class: slots.cls(rev), x: 0.5, y: 0.5, width: 13, height: 13 }),
  );
}

/**
 * A 100% stacked horizontal bar (viewBox units: percent × 10). Segments wide enough
 * carry their label as text; every segment has a <title> for hover and screen readers.
 */
export function stackedBar(slots: RevisionSlots, parts: RevisionCount[], total: number, opts: { label: string; height?: number }): SVGSVGElement {
  const H = opts.height ?? 18;
  const W = 1000;
  const svg = s('svg', { class: 'bar', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': opts.label, height: H });
  if (total <= 0) {
    svg.appendChild(s('rect', { class: 'seg empty', x: 0, y: 0, width: W, height: H }));
    return svg;
  }
  let x = 0;
  for (const p of parts) {
    if (p.count <= 0) continue;
    const w = (p.count / total) * W;
    const pct = Math.round((p.count * 100) / total);
    svg.appendChild(
      s(
        'rect',
        { class: slots.cls(p.revision), x: x.toFixed(2), y: 0, width: Math.max(w, 1).toFixed(2), height: H },
        s('title', {}, `${p.revision}: ${p.count} (${pct}%)`),
      ),
    );
    x += w;
  }
  return svg;
}

/** Overall distribution: one tall stacked bar plus a legend list (the legend buttons filter by revision). */
export function overallChart(slots: RevisionSlots, revisions: RevisionSlice[], total: number): SVGSVGElement {
  const parts = revisions.filter((r) => r.proxies > 0).map((r) => ({ revision: r.revision, count: r.proxies }));
  const label = total === 0 ? 'No proxies' : `Proxies by revision: ${parts.map((p) => `${p.revision} ${p.count} of ${total}`).join(', ')}`;
  const bar = stackedBar(slots, parts, total, { label, height: 32 });
  bar.classList.add('overall');
  return bar;
}
