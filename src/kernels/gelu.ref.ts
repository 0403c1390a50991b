// Float64 reference of GPT-2's tanh GELU (llm.c's gelu_forward / gelu_backward), in the tanh form itself.

const GELU_SCALE = Math.sqrt(2 / Math.PI);

/** out[i] = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluForwardRef(inp: Float64Array, N: number): Float64Array {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const x = inp[i];
    out[i] = 0.5 * x * (1 + Math.tanh(GELU_SCALE * (x + 0.044715 * x * x * x)));
  }
  return out;
}

/** dinp[i] = dout[i]·gelu'(inp[i]). */
export function geluBackwardRef(inp: Float64Array, dout: Float64Array, N: number): Float64Array {
  const dinp = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const x = inp[i];
    const t = Math.tanh(GELU_SCALE * (x + 0.044715 * x * x * x));
    // forward was: out = 0.5 * x * (1 + t), t = tanh(u(x)); so now:
    const grad = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_SCALE * (1 + 3 * 0.044715 * x * x);
    dinp[i] = dout[i] * grad;
  }
  return dinp;
}
