// Float64 reference of causal multi-head self-attention (llm.c's attention_forward_cpu /
// attention_backward_cpu), in the layout of attention.ts: qkv[B,T,3C] = (q | k | v) per token, each C
// split into NH heads of hs = C/NH; out[B,T,C]; lse[B,NH,T]. Optional start[B]: keys t2 < start[b] are
// masked and query rows t < start[b] output zeros (lse 0) and get zero gradient.

/** First unmasked position of sequence b. */
function first(start: Uint32Array | null, b: number): number {
  return start ? start[b] : 0;
}

/** out[B,T,C] and lse[B,NH,T] of softmax(q·kᵀ/√hs + causal mask)·v. */
export function attentionForwardRef(
  qkv: Float64Array,
  start: Uint32Array | null,
  B: number,
  T: number,
  C: number,
  NH: number,
) {
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  const out = new Float64Array(B * T * C);
  const lse = new Float64Array(B * NH * T);
  const s = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    const s0 = first(start, b);
    for (let t = s0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const q = (b * T + t) * 3 * C + h * hs;
        let max = -Infinity;
        for (let t2 = s0; t2 <= t; t2++) {
          const k = (b * T + t2) * 3 * C + C + h * hs;
          let dot = 0;
          for (let i = 0; i < hs; i++) dot += qkv[q + i] * qkv[k + i];
          s[t2] = dot * scale;
          max = Math.max(max, s[t2]);
        }
        let sum = 0;
        for (let t2 = s0; t2 <= t; t2++) sum += Math.exp(s[t2] - max);
        const o = (b * T + t) * C + h * hs;
        for (let t2 = s0; t2 <= t; t2++) {
          const p = Math.exp(s[t2] - max) / sum;
          const v = (b * T + t2) * 3 * C + 2 * C + h * hs;
          for (let i = 0; i < hs; i++) out[o + i] += p * qkv[v + i];
        }
        lse[(b * NH + h) * T + t] = max + Math.log(sum);
      }
    }
  }
  return { out, lse };
}

/** dqkv[B,T,3C] (fresh, not accumulated) given dout[B,T,C] and the forward's out and lse. */
export function attentionBackwardRef(
  dout: Float64Array,
  qkv: Float64Array,
  out: Float64Array,
  lse: Float64Array,
  start: Uint32Array | null,
  B: number,
  T: number,
  C: number,
  NH: number,
): Float64Array {
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  const dqkv = new Float64Array(B * T * 3 * C);
  for (let b = 0; b < B; b++) {
    const s0 = first(start, b);
    for (let t = s0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const q = (b * T + t) * 3 * C + h * hs;
        const o = (b * T + t) * C + h * hs;
        let D = 0; // D = Σ_i dout·out = Σ_t2 p·dp
        for (let i = 0; i < hs; i++) D += dout[o + i] * out[o + i];
        const L = lse[(b * NH + h) * T + t];
        for (let t2 = s0; t2 <= t; t2++) {
          const k = (b * T + t2) * 3 * C + C + h * hs;
          const v = k + C;
          let dot = 0;
          let dp = 0;
          for (let i = 0; i < hs; i++) {
            dot += qkv[q + i] * qkv[k + i];
            dp += dout[o + i] * qkv[v + i];
          }
          const p = Math.exp(dot * scale - L);
          // forward was: out[t] += p·v[t2]; so now: dv[t2] += p·dout[t], dp = dout[t]·v[t2]
          // forward was: p = softmax(s)[t2], s = scale·q·k; so now: ds = p·(dp − D), dq += scale·ds·k, dk += scale·ds·q
          const ds = p * (dp - D);
          for (let i = 0; i < hs; i++) {
            dqkv[v + i] += p * dout[o + i];
            dqkv[q + i] += scale * ds * qkv[k + i];
            dqkv[k + i] += scale * ds * qkv[q + i];
          }
        }
      }
    }
  }
  return dqkv;
}
