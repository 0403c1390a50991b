// Preference-model calibration (Bai et al. 2022, calibration of preference models): the PM predicts
// P(chosen ≻ rejected) = σ(r_chosen − r_rejected); bin the predictions and compare each bin's mean prediction with
// how often the predicted event actually happened.
//
// Every HH label is "chosen wins", so binning only p = σ(margin) against the outcome 1 would leave every bin's
// observed frequency at 1. As in the paper's calibration plots, each pair counts twice, symmetrically: the event
// (p, outcome 1) for the chosen side and (1 − p, outcome 0) for the rejected one. The curve is then symmetric about
// (½, ½), and the number of events is N = 2 × pairs.
//
// Bins split [0, 1] into `bins` equal intervals [lo, hi); p = 1 goes in the last bin. Every bin is returned, so a
// chart has a fixed x axis; an empty bin has count 0, predicted = its midpoint and observed = 0 (never NaN, so the
// result is valid JSON): skip count-0 bins when plotting. ECE = Σ_bins (count / N) · |predicted − observed|, 0 for
// no pairs. σ is evaluated stably for large |margin|, and 1 − p as σ(−margin), exact in the far tails.

export interface CalibrationBin {
  lo: number;
  hi: number;
  /** Mean predicted probability of the events in the bin (the midpoint when the bin is empty). */
  predicted: number;
  /** Fraction of the bin's events that happened (0 when the bin is empty). */
  observed: number;
  /** Events in the bin (each pair gives two). */
  count: number;
}

export interface Calibration {
  bins: CalibrationBin[];
  /** Expected calibration error over the 2 × pairs events. */
  ece: number;
}

/** σ(x) = 1 / (1 + e^−x), without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Calibration bins and ECE from per-pair score margins r_chosen − r_rejected. */
export function calibration(margins: readonly number[], bins = 10): Calibration {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const sumP = new Float64Array(bins);
  const hits = new Float64Array(bins);
  const count = new Float64Array(bins);
  const add = (p: number, outcome: number) => {
    const b = Math.min(bins - 1, Math.floor(p * bins));
    sumP[b] += p;
    hits[b] += outcome;
    count[b]++;
  };
  for (const m of margins) {
    if (Number.isNaN(m)) throw new RangeError('calibration: a margin is NaN');
    add(sigmoid(m), 1);
    add(sigmoid(-m), 0);
  }
  const events = 2 * margins.length;
  let ece = 0;
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = b / bins;
    const hi = (b + 1) / bins;
    if (count[b] === 0) {
      out.push({ lo, hi, predicted: (lo + hi) / 2, observed: 0, count: 0 });
      continue;
    }
    const predicted = sumP[b] / count[b];
    const observed = hits[b] / count[b];
    ece += (count[b] / events) * Math.abs(predicted - observed);
    out.push({ lo, hi, predicted, observed, count: count[b] });
  }
  return { bins: out, ece };
}
