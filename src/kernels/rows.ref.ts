// Float64 reference of gather_rows / scatter_rows backward (rows.ts), with the same clamping of an
// index ≥ T to the last position T − 1.

const row = (index: ArrayLike<number>, b: number, T: number) => Math.min(index[b], T - 1);

/** out[b, :] = inp[b, min(index[b], T − 1), :]. */
export function gatherRowsRef(
  inp: Float64Array,
  index: ArrayLike<number>,
  B: number,
  T: number,
  C: number,
): Float64Array {
  const out = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    const t = row(index, b, T);
    for (let c = 0; c < C; c++) out[b * C + c] = inp[(b * T + t) * C + c];
  }
  return out;
}

/** Gradient of gather_rows: dinp [B, T, C] (zeros but for one row per sequence). */
export function scatterRowsBackwardRef(
  dout: Float64Array,
  index: ArrayLike<number>,
  B: number,
  T: number,
  C: number,
): Float64Array {
  const dinp = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    const t = row(index, b, T);
    // forward was: out[b, c] = inp[b, t, c]; so now:
    for (let c = 0; c < C; c++) dinp[(b * T + t) * C + c] += dout[b * C + c];
  }
  return dinp;
}
