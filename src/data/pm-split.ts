// Which comparisons of a dataset a preference model trains on and which it is validated on. The split is
// made per dataset, from the dataset's size and the run's seed alone, so that anything that knows a
// preference model's seed (the notebook's Evaluate stage reads it from the checkpoint's metadata) can find
// the same held-out pairs again and never scores a pair the model was trained on:
//   indices 0..n−1 shuffled (Fisher–Yates with rng(seed)); the first ⌊n·fraction⌋ (at least one, when
//   n ≥ 2) are held out, the rest train. A dataset of one comparison trains on it and holds out nothing.
// The fraction is 10% everywhere but `rlhf pm --held-out F`, which measures on more pairs for a
// narrower interval (the notebook and its checkpoints assume 10%).
// Cross-fitting (`rlhf pm --fold i/K`) cuts the same shuffled order into K contiguous folds and holds
// out fold i: order[⌊n(i−1)/K⌋, ⌊n·i/K⌋). Over i = 1..K every pair is held out exactly once, so K runs
// score every pair by a model that never trained on it (pooled by `rlhf pm-crossfit`); fold 1 of K
// is the split `--held-out 1/K` makes with the same seed.

import { rng, shuffleInPlace } from '../util/random.ts';

/** Fraction of each dataset held out for validation (the CLI's `rlhf pm` holds out the same 10%). */
export const HELD_OUT_FRACTION = 0.1;

export interface PMSplit {
  /** Indices of the training comparisons, in shuffled order. */
  train: number[];
  /** Indices of the held-out comparisons, in shuffled order. */
  heldOut: number[];
}

/** Whether `f` can be a held-out fraction: strictly between 0 and 1 (NaN cannot). */
export function isHeldOutFraction(f: number): boolean {
  return f > 0 && f < 1;
}

/** The train / held-out split of a dataset of `n` comparisons for `seed`, holding out `fraction` of it. */
export function pmSplit(n: number, seed: number, fraction = HELD_OUT_FRACTION): PMSplit {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`pmSplit: n must be a non-negative integer, got ${n}`);
  if (!isHeldOutFraction(fraction))
    throw new RangeError(`pmSplit: the held-out fraction must be in (0, 1), got ${fraction}`);
  const order = shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    rng(seed),
  );
  const nHeld = n < 2 ? 0 : Math.max(1, Math.floor(n * fraction));
  return { heldOut: order.slice(0, nHeld), train: order.slice(nHeld) };
}

/** Whether fold `fold` of `folds` names a fold: integers with 1 ≤ fold ≤ folds and folds ≥ 2. */
export function isFold(fold: number, folds: number): boolean {
  return Number.isInteger(fold) && Number.isInteger(folds) && folds >= 2 && fold >= 1 && fold <= folds;
}

/** Fold `fold` (1-based) of `folds` of a dataset of `n` comparisons for `seed`: that fold held out, the rest train. */
export function pmFold(n: number, seed: number, fold: number, folds: number): PMSplit {
  if (!Number.isInteger(n) || n < folds)
    throw new RangeError(`pmFold: n must be an integer of at least ${folds} (one pair per fold), got ${n}`);
  if (!isFold(fold, folds))
    throw new RangeError(`pmFold: fold ${fold} of ${folds} is not a fold (need integers 1 ≤ fold ≤ folds, folds ≥ 2)`);
  const order = shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    rng(seed),
  );
  const lo = Math.floor((n * (fold - 1)) / folds);
  const hi = Math.floor((n * fold) / folds);
  return { heldOut: order.slice(lo, hi), train: [...order.slice(0, lo), ...order.slice(hi)] };
}
