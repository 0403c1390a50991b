// Float64 reference of the linear layer (llm.c's matmul_forward_cpu / matmul_backward_cpu).

/** out[N, OC] = inp[N, C] · weight[OC, C]ᵀ + bias[OC]. */
export function matmulForwardRef(
  inp: Float64Array,
  weight: Float64Array,
  bias: Float64Array | null,
  N: number,
  C: number,
  OC: number,
): Float64Array {
  const out = new Float64Array(N * OC);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      let s = bias ? bias[o] : 0;
      for (let c = 0; c < C; c++) s += inp[n * C + c] * weight[o * C + c];
      out[n * OC + o] = s;
    }
  }
  return out;
}

/** Gradients of out = inp·weightᵀ + bias given dout. */
export function matmulBackwardRef(
  dout: Float64Array,
  inp: Float64Array,
  weight: Float64Array,
  N: number,
  C: number,
  OC: number,
) {
  const dinp = new Float64Array(N * C);
  const dweight = new Float64Array(OC * C);
  const dbias = new Float64Array(OC);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      // forward was: out[n, o] += inp[n, c] * weight[o, c]; so now:
      const d = dout[n * OC + o];
      dbias[o] += d;
      for (let c = 0; c < C; c++) {
        dinp[n * C + c] += d * weight[o * C + c];
        dweight[o * C + c] += d * inp[n * C + c];
      }
    }
  }
  return { dinp, dweight, dbias };
}
