// Float64 reference of the PPO loss and its statistics (ppo_loss.ts).

import type { PpoLossHyperparams } from './ppo_loss.ts';

export interface PpoInputs {
  logp: Float64Array;
  oldLogp: Float64Array;
  advantages: Float64Array;
  values: Float64Array;
  oldValues: Float64Array;
  returns: Float64Array;
  entropy: Float64Array;
  mask: Float64Array;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/** The per-token terms of one valid token. */
function token(x: PpoInputs, n: number, hp: PpoLossHyperparams) {
  const ratio = Math.exp(x.logp[n] - x.oldLogp[n]);
  const pg1 = -x.advantages[n] * ratio;
  const pg2 = -x.advantages[n] * clamp(ratio, 1 - hp.cliprange, 1 + hp.cliprange);
  const v = x.values[n];
  const dv = v - x.oldValues[n];
  const vClipped =
    Math.abs(dv) > hp.cliprangeValue ? x.oldValues[n] + clamp(dv, -hp.cliprangeValue, hp.cliprangeValue) : v;
  const vf1 = (v - x.returns[n]) ** 2;
  const vf2 = (vClipped - x.returns[n]) ** 2;
  return { ratio, pg1, pg2, vf1, vf2 };
}

/**
 * stats in PpoStat order: loss/policy, loss/value, loss/total, entropy, clipfrac, approxkl, ratio, vf clipfrac, count.
 */
export function ppoLossForwardRef(x: PpoInputs, hp: PpoLossHyperparams, N: number): Float64Array {
  const s = new Float64Array(8);
  let count = 0;
  for (let n = 0; n < N; n++) {
    const m = x.mask[n];
    if (m === 0) continue;
    const { ratio, pg1, pg2, vf1, vf2 } = token(x, n, hp);
    const logRatio = x.logp[n] - x.oldLogp[n];
    const terms = [
      Math.max(pg1, pg2),
      Math.max(vf1, vf2),
      x.entropy[n],
      pg2 > pg1 ? 1 : 0,
      logRatio ** 2,
      ratio,
      vf2 > vf1 ? 1 : 0,
    ];
    terms.forEach((v, q) => (s[q] += m * v));
    count += m;
  }
  const inv = count > 0 ? 1 / count : 0;
  const policy = s[0] * inv;
  const value = 0.5 * s[1] * inv;
  const entropy = s[2] * inv;
  return Float64Array.of(
    policy,
    value,
    policy + hp.vfCoef * value - hp.entCoef * entropy,
    entropy,
    s[3] * inv,
    0.5 * s[4] * inv,
    s[5] * inv,
    s[6] * inv,
    count,
  );
}

/** Gradients of loss/total (times dtotal) with respect to logp, values and entropy. */
export function ppoLossBackwardRef(x: PpoInputs, hp: PpoLossHyperparams, N: number, dtotal = 1) {
  const dlogp = new Float64Array(N);
  const dvalues = new Float64Array(N);
  const dentropy = new Float64Array(N);
  let count = 0;
  for (let n = 0; n < N; n++) count += x.mask[n];
  const inv = count > 0 ? dtotal / count : 0;
  for (let n = 0; n < N; n++) {
    const m = x.mask[n];
    if (m === 0) continue;
    const { ratio, pg1, pg2, vf1, vf2 } = token(x, n, hp);
    // forward was: loss/policy += m·max(pg1, pg2)/count, pg1 = −A·exp(logp − old); so now:
    dlogp[n] = pg2 > pg1 ? 0 : m * inv * -x.advantages[n] * ratio;
    // forward was: loss/total += vf_coef·0.5·m·max(vf1, vf2)/count, vf1 = (v − R)²; so now:
    dvalues[n] = vf2 > vf1 ? 0 : hp.vfCoef * m * inv * (x.values[n] - x.returns[n]);
    // forward was: loss/total −= ent_coef·m·entropy/count; so now:
    dentropy[n] = -hp.entCoef * m * inv;
  }
  return { dlogp, dvalues, dentropy };
}
