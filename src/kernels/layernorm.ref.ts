// Float64 reference of layer normalisation (llm.c's layernorm_forward_cpu / layernorm_backward_cpu).

export const LN_EPS = 1e-5;

export function layernormForwardRef(inp: Float64Array, weight: Float64Array, bias: Float64Array, N: number, C: number) {
  const out = new Float64Array(N * C);
  const mean = new Float64Array(N);
  const rstd = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const x = inp.subarray(n * C, (n + 1) * C);
    const m = x.reduce((a, b) => a + b, 0) / C;
    const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / C;
    const r = 1 / Math.sqrt(v + LN_EPS);
    for (let c = 0; c < C; c++) out[n * C + c] = (x[c] - m) * r * weight[c] + bias[c];
    mean[n] = m;
    rstd[n] = r;
  }
  return { out, mean, rstd };
}

export function layernormBackwardRef(
  dout: Float64Array,
  inp: Float64Array,
  weight: Float64Array,
  mean: Float64Array,
  rstd: Float64Array,
  N: number,
  C: number,
) {
  const dinp = new Float64Array(N * C);
  const dweight = new Float64Array(C);
  const dbias = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    let gMean = 0;
    let gnMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (inp[n * C + c] - mean[n]) * rstd[n];
      const g = dout[n * C + c] * weight[c];
      gMean += g / C;
      gnMean += (g * norm) / C;
      // forward was: out = norm * weight + bias; so now:
      dweight[c] += dout[n * C + c] * norm;
      dbias[c] += dout[n * C + c];
    }
    for (let c = 0; c < C; c++) {
      const norm = (inp[n * C + c] - mean[n]) * rstd[n];
      const g = dout[n * C + c] * weight[c];
      dinp[n * C + c] = rstd[n] * (g - gMean - norm * gnMean);
    }
  }
  return { dinp, dweight, dbias };
}
