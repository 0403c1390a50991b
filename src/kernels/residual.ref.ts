// Float64 reference of the residual connection (llm.c's residual_forward_cpu / residual_backward_cpu).

/** out[i] = inp1[i] + inp2[i]. */
export function residualForwardRef(inp1: Float64Array, inp2: Float64Array, N: number): Float64Array {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) out[i] = inp1[i] + inp2[i];
  return out;
}

/** Gradients of out = inp1 + inp2 given dout. */
export function residualBackwardRef(dout: Float64Array, N: number) {
  const dinp1 = new Float64Array(N);
  const dinp2 = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    // forward was: out[i] = inp1[i] + inp2[i]; so now:
    dinp1[i] += dout[i];
    dinp2[i] += dout[i];
  }
  return { dinp1, dinp2 };
}

/** dst + src, as a new array (add_in_place writes it into dst). */
export function addInPlaceRef(dst: Float64Array, src: Float64Array, N: number): Float64Array {
  return Float64Array.from({ length: N }, (_, i) => dst[i] + src[i]);
}
