// Float64 reference of the token + position embedding (llm.c's encoder_forward / encoder_backward),
// with the GPU kernels' clamping of out-of-range ids (token → V − 1, position → maxT − 1).

const pos = (positions: ArrayLike<number> | null, i: number, T: number, maxT: number) =>
  Math.min(positions ? positions[i] : i % T, maxT - 1);

/** out[B, T, C] = wte[tokens[b, t]] + wpe[positions[b, t] ?? t]. */
export function encoderForwardRef(
  tokens: ArrayLike<number>,
  positions: ArrayLike<number> | null,
  wte: Float64Array,
  wpe: Float64Array,
  B: number,
  T: number,
  C: number,
  V: number,
  maxT: number,
): Float64Array {
  const out = new Float64Array(B * T * C);
  for (let i = 0; i < B * T; i++) {
    const tok = Math.min(tokens[i], V - 1);
    const p = pos(positions, i, T, maxT);
    for (let c = 0; c < C; c++) out[i * C + c] = wte[tok * C + c] + wpe[p * C + c];
  }
  return out;
}

/** dwte[V, C] and dwpe[maxT, C] from dout[B, T, C] (fresh buffers: the GPU kernels add these). */
export function encoderBackwardRef(
  dout: Float64Array,
  tokens: ArrayLike<number>,
  positions: ArrayLike<number> | null,
  B: number,
  T: number,
  C: number,
  V: number,
  maxT: number,
) {
  const dwte = new Float64Array(V * C);
  const dwpe = new Float64Array(maxT * C);
  for (let i = 0; i < B * T; i++) {
    const tok = Math.min(tokens[i], V - 1);
    const p = pos(positions, i, T, maxT);
    for (let c = 0; c < C; c++) {
      // forward was: out[i, c] = wte[tok, c] + wpe[p, c]; so now:
      dwte[tok * C + c] += dout[i * C + c];
      dwpe[p * C + c] += dout[i * C + c];
    }
  }
  return { dwte, dwpe };
}
