// Float64 reference of the sampler: the exact distribution sample.wgsl draws from (temperature, then
// top-k with ties at the threshold admitted), the counter-based uniform it draws with, and the
// inverse-CDF pick. There is no backward: sampling is not differentiated; PPO differentiates the
// log-probabilities of the sampled tokens through the model's own log-softmax.

/** The k-th largest value of row (k ≥ 1); -0 counts as +0, as in the kernel. */
export function topKThresholdRef(row: ArrayLike<number>, k: number): number {
  const sorted = Array.from(row, (x) => (x === 0 ? 0 : x)).sort((a, b) => b - a);
  return sorted[Math.min(k, sorted.length) - 1];
}

/**
 * p[V] for one row of logits: one-hot at the argmax (lowest index on ties) when temperature = 0,
 * else softmax(x/τ) restricted to {i : x_i ≥ k-th largest} (all of them when topK = 0 or ≥ V).
 */
export function samplingDistributionRef(row: ArrayLike<number>, temperature: number, topK: number): Float64Array {
  const V = row.length;
  const p = new Float64Array(V);
  let arg = 0;
  for (let i = 1; i < V; i++) if (row[i] > row[arg]) arg = i;
  if (temperature === 0) {
    p[arg] = 1;
    return p;
  }
  const mx = row[arg];
  const thr = topK > 0 && topK < V ? topKThresholdRef(row, topK) : -Infinity;
  let sum = 0;
  for (let i = 0; i < V; i++) {
    p[i] = row[i] >= thr ? Math.exp((row[i] - mx) / temperature) : 0;
    sum += p[i];
  }
  for (let i = 0; i < V; i++) p[i] /= sum;
  return p;
}

/** log p of each token, computed as (x − max)/τ − log Σ (no cancellation for tiny probabilities). */
export function samplingLogProbsRef(row: ArrayLike<number>, temperature: number, topK: number): Float64Array {
  const V = row.length;
  if (temperature === 0) return samplingDistributionRef(row, 0, topK).map((p) => Math.log(p));
  let mx = -Infinity;
  for (let i = 0; i < V; i++) mx = Math.max(mx, row[i]);
  const thr = topK > 0 && topK < V ? topKThresholdRef(row, topK) : -Infinity;
  let sum = 0;
  for (let i = 0; i < V; i++) if (row[i] >= thr) sum += Math.exp((row[i] - mx) / temperature);
  return Float64Array.from(row, (x) => (x >= thr ? (x - mx) / temperature - Math.log(sum) : -Infinity));
}

/** The PCG hash of sample.wgsl (Jarzynski & Olano 2020). */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> (((state >>> 28) + 4) >>> 0)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The uniform in [0, 1) the kernel draws row b of a step with: 24 bits of pcg(seed ^ pcg(b ^ pcg(step))). */
export function sampleUniformRef(seed: number, b: number, step: number): number {
  const h = pcgHash((seed ^ pcgHash((b ^ pcgHash(step)) >>> 0)) >>> 0);
  return (h >>> 8) / 16777216;
}

/** Inverse CDF: the first i with Σ_{j≤i} p_j > u (the last token with p > 0 if rounding leaves none). */
export function sampleRef(p: ArrayLike<number>, u: number): number {
  let run = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) last = i;
    run += p[i];
    if (p[i] > 0 && run > u) return i;
  }
  return last;
}
