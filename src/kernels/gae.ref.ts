// Float64 reference of generalised advantage estimation (gae.ts): the backward recursion, and the
// direct sum it unrolls, A_t = Σ_l (γλ)^l δ_{t+l} over the valid steps.

/** The recursion, exactly as gae.wgsl walks it (masked steps skipped, output 0). */
export function gaeForwardRef(
  rewards: Float64Array,
  values: Float64Array,
  mask: Float64Array,
  gamma: number,
  lam: number,
  B: number,
  T: number,
) {
  const advantages = new Float64Array(B * T);
  const returns = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    let nextValue = 0;
    let lastGae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = b * T + t;
      if (mask[i] === 0) continue;
      const delta = rewards[i] + gamma * nextValue - values[i];
      lastGae = delta + gamma * lam * lastGae;
      advantages[i] = lastGae;
      returns[i] = lastGae + values[i];
      nextValue = values[i];
    }
  }
  return { advantages, returns };
}

/** O(T²) check: with the valid steps t_0 < t_1 < ... of a row, A_{t_k} = Σ_l (γλ)^l δ_{t_{k+l}}. */
export function gaeDirectRef(
  rewards: Float64Array,
  values: Float64Array,
  mask: Float64Array,
  gamma: number,
  lam: number,
  B: number,
  T: number,
) {
  const advantages = new Float64Array(B * T);
  const returns = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    const valid = [...Array(T).keys()].map((t) => b * T + t).filter((i) => mask[i] !== 0);
    const delta = valid.map(
      (i, k) => rewards[i] + gamma * (k + 1 < valid.length ? values[valid[k + 1]] : 0) - values[i],
    );
    valid.forEach((i, k) => {
      let a = 0;
      for (let l = 0; k + l < valid.length; l++) a += (gamma * lam) ** l * delta[k + l];
      advantages[i] = a;
      returns[i] = a + values[i];
    });
  }
  return { advantages, returns };
}
