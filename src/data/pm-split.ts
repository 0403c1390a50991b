// Which comparisons of a dataset a preference model trains on and which it is validated on. The split is
// made per dataset, from the dataset's size and the run's seed alone, so that anything that knows a
// preference model's seed (the notebook's Evaluate stage reads it from the checkpoint's metadata) can find
// the same held-out pairs again and never scores a pair the model was trained on:
//   indices 0..n−1 shuffled (Fisher–Yates with rng(seed)); the first ⌊n·fraction⌋ (at least one, when
//   n ≥ 2) are held out, the rest train. A dataset of one comparison trains on it and holds out nothing.
// The fraction is 10% everywhere but `rlhf pm --held-out F`, which measures on more pairs for a
// narrower interval (the notebook and its checkpoints assume 10%).

import { rng, shuffleInPlace } from '../kernels/random.ts';

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
  if (!isHeldOutFraction(fraction)) throw new RangeError(`pmSplit: the held-out fraction must be in (0, 1), got ${fraction}`);
  const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), rng(seed));
  const nHeld = n < 2 ? 0 : Math.max(1, Math.floor(n * fraction));
  return { heldOut: order.slice(0, nHeld), train: order.slice(nHeld) };
}
