// The per-token trace of one PPO iteration (`step(prompts, { inspect: true })`), as a pure function of the
// buffers read back: each row's values at its action columns, and per epoch the ratio π/π_old its minibatch
// saw and whether the ratio clip was active there.

import type { PPOInspection } from './ppo-types.ts';

/** The batch buffers [M·S] a trace reads (float64 copies of the GPU's). */
export interface PPOTraceBuffers {
  oldLogp: ArrayLike<number>;
  refLogp: ArrayLike<number>;
  kl: ArrayLike<number>;
  entropy: ArrayLike<number>;
  values: ArrayLike<number>;
  rewards: ArrayLike<number>;
  /** The whitened advantages PPO trains on. */
  advantages: ArrayLike<number>;
  returns: ArrayLike<number>;
}

export interface PPOTraceInputs {
  promptIds: number[][];
  actions: number[][];
  samplerLogp: number[][];
  /** Rows per minibatch slot and elements per slot (the batch layout, ppo-slots.ts). */
  rows: number;
  S: number;
  /** Per row, the element of action 0's column in the batch buffers. */
  first: readonly number[];
  /** The minibatch order per epoch, and per epoch and slot the log π of the slot's [rows·T] tokens at its step. */
  order: number[][];
  newLogp: ArrayLike<number>[][];
  /** The ratio clip ε. */
  cliprange: number;
}

/** Every row's per-token trace. */
export function inspectRows(x: PPOTraceInputs, buf: PPOTraceBuffers): PPOInspection {
  const eps = x.cliprange;
  return {
    order: x.order,
    rows: x.actions.map((a, b) => {
      const m = Math.floor(b / x.rows);
      const first = x.first[b];
      const pick = (v: ArrayLike<number>, offset = first) => Array.from({ length: a.length }, (_, i) => v[offset + i]);
      const ratio = x.newLogp.map((perSlot) =>
        pick(perSlot[m], first - m * x.S).map((lp, i) => Math.exp(lp - buf.oldLogp[first + i])),
      );
      const clipped = ratio.map((rs) =>
        rs.map((r, i) => {
          const A = buf.advantages[first + i];
          return -A * Math.min(Math.max(r, 1 - eps), 1 + eps) > -A * r;
        }),
      );
      return {
        prompt: x.promptIds[b],
        actions: a,
        samplerLogp: x.samplerLogp[b],
        minibatch: m,
        logp: pick(buf.oldLogp),
        refLogp: pick(buf.refLogp),
        kl: pick(buf.kl),
        entropy: pick(buf.entropy),
        value: pick(buf.values),
        reward: pick(buf.rewards),
        advantage: pick(buf.advantages),
        return: pick(buf.returns),
        ratio,
        clipped,
      };
    }),
  };
}
