// Cross-fitting: K preference models, model i trained on every fold of a dataset but fold i
// (src/data/pm-split.ts pmFold), each scoring only its own held-out fold. Pooled, every comparison
// is scored once, by a model that never trained on it, so the method's held-out accuracy is measured
// on all n pairs instead of n/K: the 95% interval narrows by about √K. What the pooled figure
// measures is the training recipe (K models of the same settings), not one checkpoint; its Wilson
// interval treats the n pairs as independent, the usual cross-validation approximation (the folds'
// models share data, so it is slightly narrow).

import { pmFold } from '../data/pm-split.ts';

/** One cross-fitting run: which fold it held out, and its margin on each held-out comparison. */
export interface FoldScores {
  /** Where these scores come from, for error messages (a report file). */
  name: string;
  fold: number;
  folds: number;
  seed: number;
  /** Comparisons in the whole dataset (training + held out). */
  pairs: number;
  /** Indices of the held-out comparisons in the dataset, in the order of `margins`. */
  indices: readonly number[];
  /** r_chosen − r_rejected on each held-out comparison. */
  margins: readonly number[];
}

/**
 * The margin of every comparison of the dataset, each from the fold run that held it out. Throws,
 * naming the run, unless the runs are folds 1..K of one split (same K, seed and dataset size), each
 * once, and each run's indices are exactly the fold pmFold gives, with one margin per index.
 */
export function poolFolds(runs: readonly FoldScores[]): number[] {
  if (runs.length === 0) throw new Error('poolFolds: no fold runs given');
  const { folds, seed, pairs } = runs[0];
  const seen = new Map<number, string>();
  for (const r of runs) {
    if (r.folds !== folds || r.seed !== seed || r.pairs !== pairs) {
      throw new Error(
        `${r.name}: fold ${r.fold}/${r.folds}, seed ${r.seed}, ${r.pairs} pairs; ${runs[0].name} has fold ${runs[0].fold}/${folds}, seed ${seed}, ${pairs} pairs: not folds of one split`,
      );
    }
    const other = seen.get(r.fold);
    if (other !== undefined) throw new Error(`${r.name}: fold ${r.fold}/${folds} is also ${other}`);
    seen.set(r.fold, r.name);
  }
  const missing = Array.from({ length: folds }, (_, i) => i + 1).filter((f) => !seen.has(f));
  if (missing.length)
    throw new Error(
      `fold${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${folds} missing: every fold's run is needed to score every pair`,
    );
  const pooled = new Array<number>(pairs).fill(NaN);
  for (const r of runs) {
    const expected = pmFold(pairs, seed, r.fold, r.folds).heldOut;
    if (r.indices.length !== expected.length || r.indices.some((k, j) => k !== expected[j])) {
      throw new Error(
        `${r.name}: its held-out pairs are not fold ${r.fold}/${folds} of ${pairs} pairs with seed ${seed} (was the data or the split changed?)`,
      );
    }
    if (r.margins.length !== r.indices.length)
      throw new Error(`${r.name}: ${r.margins.length} margins for ${r.indices.length} held-out pairs`);
    r.indices.forEach((k, j) => (pooled[k] = r.margins[j]));
  }
  return pooled;
}
