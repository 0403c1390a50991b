// Float64 reference of the per-token KL estimators (kl.ts).

/** kl[n] = k1 or k3 estimate from logp[n] and refLogp[n]. */
export function klForwardRef(logp: Float64Array, refLogp: Float64Array, N: number, estimator: 1 | 3): Float64Array {
  const kl = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const d = refLogp[n] - logp[n];
    kl[n] = estimator === 1 ? logp[n] - refLogp[n] : Math.expm1(d) - d;
  }
  return kl;
}

/** dlogp[n] = dkl[n]·∂kl[n]/∂logp[n] (a fresh buffer: the GPU kernel adds this to dlogp). */
export function klBackwardRef(
  dkl: Float64Array,
  logp: Float64Array,
  refLogp: Float64Array,
  N: number,
  estimator: 1 | 3,
): Float64Array {
  const dlogp = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    // forward was: k1 = logp − ref, k3 = exp(ref − logp) − 1 − (ref − logp); so now:
    dlogp[n] = estimator === 1 ? dkl[n] : -dkl[n] * Math.expm1(refLogp[n] - logp[n]);
  }
  return dlogp;
}
