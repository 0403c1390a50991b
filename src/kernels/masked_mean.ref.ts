// Float64 reference of masked_mean and loss_weights (masked_mean.ts).

/** Σ mask·values / max(Σ mask, 1), skipping masked-out (mask = 0) values. */
export function maskedMeanRef(values: Float64Array, mask: Float64Array, N: number): Float64Array {
  let s = 0;
  let m = 0;
  for (let n = 0; n < N; n++) {
    if (mask[n] === 0) continue;
    s += mask[n] * values[n];
    m += mask[n];
  }
  return Float64Array.of(s / Math.max(m, 1));
}

/** dvalues[n] = dout·mask[n] / max(Σ mask, 1); loss_weights is this with dout = 1. */
export function maskedMeanBackwardRef(dout: number, mask: Float64Array, N: number): Float64Array {
  let m = 0;
  for (let n = 0; n < N; n++) m += mask[n];
  // forward was: out = Σ mask·values / max(Σ mask, 1); so now:
  return Float64Array.from({ length: N }, (_, n) => (dout * mask[n]) / Math.max(m, 1));
}

export function lossWeightsRef(mask: Float64Array, N: number): Float64Array {
  return maskedMeanBackwardRef(1, mask, N);
}
