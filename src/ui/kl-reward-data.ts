// The data behind the RLHF stage's reward-vs-√KL chart (Bai et al. 2022 §4.1: over an RLHF run the
// preference model's score grows roughly linearly in √D_KL(π ‖ π0)): one point per iteration, x =
// objective/sqrt_kl, y = the score (objective/scores, or gold/scores), the least-squares line through them
// (src/eval/sqrt-kl-fit.ts), the columns uPlot draws, and which point a click at a pixel means. Pure
// functions, no DOM: the element (kl-reward-chart.ts) does the drawing.

import { fitLine, type LineFit } from '../eval/sqrt-kl-fit.ts';

export const SQRT_KL = 'objective/sqrt_kl';

export interface KlRewardPoint {
  iteration: number;
  /** √KL(π ‖ π0), nats^½ per response. */
  x: number;
  /** The score. */
  y: number;
}

export interface KlRewardData {
  /** Sorted by x, then by iteration (uPlot wants its x column ascending). */
  points: KlRewardPoint[];
  fit: LineFit;
}

/** The iterations of `history` that have both √KL and `yKey`, sorted by √KL, and the fitted line. */
export function klRewardData(
  history: readonly ({ step: number } & Record<string, number>)[],
  yKey = 'objective/scores',
): KlRewardData {
  const points = history
    .filter((p) => Number.isFinite(p[SQRT_KL]) && Number.isFinite(p[yKey]))
    .map((p) => ({ iteration: p.step, x: p[SQRT_KL], y: p[yKey] }))
    .sort((a, b) => a.x - b.x || a.iteration - b.iteration);
  return {
    points,
    fit: fitLine(
      points.map((p) => p.x),
      points.map((p) => p.y),
    ),
  };
}

/**
 * uPlot's columns: x, the scores, the fitted line at every x (null while there is no line), and the selected
 * iteration's score alone (null elsewhere), drawn as a larger point.
 */
export function chartColumns(
  d: KlRewardData,
  selected: number | null,
): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  const line = Number.isFinite(d.fit.slope);
  return [
    d.points.map((p) => p.x),
    d.points.map((p) => p.y),
    d.points.map((p) => (line ? d.fit.slope * p.x + d.fit.intercept : null)),
    d.points.map((p) => (p.iteration === selected ? p.y : null)),
  ];
}

/** The index of the point nearest to (px, py) within `radius` (all in pixels), or −1. Ties go to the first. */
export function nearestPoint(
  pixels: readonly { x: number; y: number }[],
  px: number,
  py: number,
  radius: number,
): number {
  let best = -1;
  let bestD = radius * radius;
  pixels.forEach((p, i) => {
    const d = (p.x - px) ** 2 + (p.y - py) ** 2;
    if (d <= bestD && (best < 0 || d < bestD)) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

/** The fitted line in words, e.g. "score ≈ 0.512·√KL + 0.101, R² = 0.93 over 12 iterations". */
export function describeFit(fit: LineFit, yName = 'score'): string {
  if (!Number.isFinite(fit.slope)) {
    return fit.n < 2
      ? `The line needs at least two iterations (${fit.n} so far).`
      : 'The line needs iterations with different KL (all points share one √KL).';
  }
  const sign = fit.intercept < 0 ? '−' : '+';
  return `${yName} ≈ ${fit.slope.toFixed(3)}·√KL ${sign} ${Math.abs(fit.intercept).toFixed(3)}, R² = ${fit.r2.toFixed(3)} over ${fit.n} iterations`;
}
