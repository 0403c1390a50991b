// Float64 reference of the softmax cross-entropy (crossentropy.ts), targets clamped to V − 1 as on the GPU.

function logsumexp(logits: Float64Array, base: number, V: number): number {
  let m = -Infinity;
  for (let v = 0; v < V; v++) m = Math.max(m, logits[base + v]);
  let s = 0;
  for (let v = 0; v < V; v++) s += Math.exp(logits[base + v] - m);
  return m + Math.log(s);
}

/** losses[n] = lse[n] − logits[n, targets[n]], with lse[n] = log Σ_v exp(logits[n, v]). */
export function crossentropyForwardRef(logits: Float64Array, targets: ArrayLike<number>, N: number, V: number) {
  const losses = new Float64Array(N);
  const lse = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    lse[n] = logsumexp(logits, n * V, V);
    losses[n] = lse[n] - logits[n * V + Math.min(targets[n], V - 1)];
  }
  return { losses, lse };
}

/** dlogits[n, v] = (softmax[n, v] − [v = target]) · dlosses[n]. */
export function crossentropyBackwardRef(
  dlosses: Float64Array,
  logits: Float64Array,
  targets: ArrayLike<number>,
  N: number,
  V: number,
): Float64Array {
  const dlogits = new Float64Array(N * V);
  for (let n = 0; n < N; n++) {
    const lse = logsumexp(logits, n * V, V);
    const target = Math.min(targets[n], V - 1);
    for (let v = 0; v < V; v++) {
      // forward was: losses[n] = lse[n] − logits[n, target]; so now:
      dlogits[n * V + v] = (Math.exp(logits[n * V + v] - lse) - (v === target ? 1 : 0)) * dlosses[n];
    }
  }
  return dlogits;
}
