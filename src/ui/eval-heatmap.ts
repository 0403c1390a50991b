// The Evaluate stage's cross-evaluation heat map, computed apart from the element (no DOM, no Lit):
// which pairs a cell scores, and how a cell looks.
//   pairs   a cell (preference model × dataset) scores the first `cap` pairs of the dataset's held-out
//           split under the model's own seed (src/data/pm-split.ts), the split its training used, so a
//           cell never scores a pair the model was trained on, whichever datasets it was trained on
//   colour  a diverging scale on accuracy: red at 0 (always prefers the rejected response), near-white
//           at ½ (chance), green at 1; the number's colour keeps contrast with the fill

import { pmSplit } from '../data/pm-split.ts';
import type { PMCellResult } from '../protocol.ts';

/** Pairs per cell: enough for an interval of about ±0.12 at chance, small enough for a software GPU. */
export const CELL_PAIRS = 64;

/** Indices of the comparisons a cell scores: the first `cap` of the dataset's held-out split under `seed`. */
export function cellPairs(count: number, seed: number, cap = CELL_PAIRS): number[] {
  return pmSplit(count, seed).heldOut.slice(0, cap);
}

type RGB = [number, number, number];
const LOW: RGB = [215, 48, 39]; // accuracy 0
const MID: RGB = [247, 247, 247]; // accuracy ½
const HIGH: RGB = [26, 152, 80]; // accuracy 1

/** The fill of a cell with accuracy `a` (clamped to [0, 1]), as [r, g, b]. */
export function accuracyRgb(a: number): RGB {
  const t = Math.min(1, Math.max(0, Number.isFinite(a) ? a : 0.5));
  const [from, to, f] = t < 0.5 ? [LOW, MID, t / 0.5] : [MID, HIGH, (t - 0.5) / 0.5];
  return [0, 1, 2].map((i) => Math.round(from[i] + (to[i] - from[i]) * f)) as RGB;
}

/** Relative luminance (WCAG) of an sRGB colour. */
function luminance([r, g, b]: RGB): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export interface HeatCell {
  /** The number shown (accuracy to 3 decimals), or '–' when there is none. */
  text: string;
  /** Pairs behind it, shown under the number. */
  n: string;
  background: string;
  color: string;
  /** The tooltip: accuracy, its 95% interval, n and ECE. */
  title: string;
}

/** How the cell of `result` looks; no result yet (or no pairs) is a blank cell. */
export function heatCell(result: PMCellResult | undefined): HeatCell {
  if (!result || result.n === 0) {
    return {
      text: '–',
      n: result ? 'n=0' : '',
      background: 'transparent',
      color: '#666',
      title: result ? 'no held-out pairs in this dataset' : 'not evaluated yet',
    };
  }
  const rgb = accuracyRgb(result.accuracy);
  return {
    text: result.accuracy.toFixed(3),
    n: `n=${result.n}`,
    background: `rgb(${rgb.join(', ')})`,
    color: luminance(rgb) > 0.35 ? '#111' : '#fff',
    title: `accuracy ${result.accuracy.toFixed(3)} (95% interval ${result.lo.toFixed(3)}–${result.hi.toFixed(3)}), n = ${result.n}, ECE ${result.ece.toFixed(3)}`,
  };
}

/** The key of a cell in the results map. */
export function cellKey(checkpoint: string, dataset: string): string {
  return `${checkpoint}\u0000${dataset}`;
}
