// Float64 reference of the per-token log-probability and entropy (logprob.ts), tokens clamped to V − 1.

/** Row n's log-probabilities log softmax(logits[n] / τ) and entropy. */
function logSoftmaxRow(logits: Float64Array, n: number, V: number, temperature: number) {
  const z = Float64Array.from(logits.subarray(n * V, (n + 1) * V), (x) => x / temperature);
  const m = z.reduce((a, b) => Math.max(a, b), -Infinity);
  const logS = Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
  const logp = z.map((x) => x - m - logS);
  const entropy = logp.reduce((s, lp) => s - Math.exp(lp) * lp, 0);
  return { logp, entropy };
}

/** logp[n] = log softmax(logits[n]/τ)[tokens[n]]; entropy[n] = −Σ p log p. */
export function logprobForwardRef(
  logits: Float64Array,
  tokens: ArrayLike<number>,
  N: number,
  V: number,
  temperature = 1,
) {
  const logp = new Float64Array(N);
  const entropy = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const row = logSoftmaxRow(logits, n, V, temperature);
    logp[n] = row.logp[Math.min(tokens[n], V - 1)];
    entropy[n] = row.entropy;
  }
  return { logp, entropy };
}

/** dlogits[N, V] from dlogp[N] and dentropy[N] (a fresh buffer: the GPU kernel adds this). */
export function logprobBackwardRef(
  dlogp: Float64Array,
  dentropy: Float64Array,
  logits: Float64Array,
  tokens: ArrayLike<number>,
  N: number,
  V: number,
  temperature = 1,
): Float64Array {
  const dlogits = new Float64Array(N * V);
  for (let n = 0; n < N; n++) {
    const row = logSoftmaxRow(logits, n, V, temperature);
    const tok = Math.min(tokens[n], V - 1);
    for (let v = 0; v < V; v++) {
      const p = Math.exp(row.logp[v]);
      // forward was: logp = log p[tok]; so now: d/dz_v = [v = tok] − p_v
      // forward was: H = −Σ p log p;    so now: d/dz_v = −p_v (log p_v + H)
      // and z = logits / τ
      dlogits[n * V + v] =
        (dlogp[n] * ((v === tok ? 1 : 0) - p) - dentropy[n] * p * (row.logp[v] + row.entropy)) / temperature;
    }
  }
  return dlogits;
}
