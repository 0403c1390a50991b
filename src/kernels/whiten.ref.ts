// Float64 reference of masked whitening (whiten.ts).

/** [mean, var, rstd, count] and out[N], as whiten_stats + whiten compute them. */
export function whitenForwardRef(x: Float64Array, mask: Float64Array, N: number, shiftMean: boolean) {
  let count = 0;
  let sum = 0;
  for (let n = 0; n < N; n++) {
    count += mask[n];
    sum += mask[n] * x[n];
  }
  const mean = count > 0 ? sum / count : 0;
  let sq = 0;
  for (let n = 0; n < N; n++) sq += mask[n] * (x[n] - mean) ** 2;
  const variance = count > 1 ? sq / (count - 1) : 0;
  const rstd = 1 / Math.sqrt(variance + 1e-8);
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    if (mask[n] !== 0) out[n] = (x[n] - mean) * rstd + (shiftMean ? mean : 0);
  }
  return { stats: Float64Array.of(mean, variance, rstd, count), out };
}
