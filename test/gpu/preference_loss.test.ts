// preference_loss (forward and backward, separate and paired layouts) on the GPU against the float64 reference:
// awkward P, margins of ±1e4, ties, tiny losses, and a P whose backward needs a second grid dimension.

import { describe, expect, it } from 'vitest';
import {
  preferenceLossBackward,
  preferenceLossBackwardPaired,
  preferenceLossForward,
  preferenceLossForwardPaired,
} from '../../src/kernels/preference_loss.ts';
import { preferenceLossBackwardRef, preferenceLossForwardRef } from '../../src/kernels/preference_loss.ref.ts';
import type { Tolerance } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  checkKernel,
  input,
  kernelCase,
  normal,
  output,
  overwrite,
  secondGridN,
  type TensorSpec,
} from '../helpers/kernel-case.ts';
import { f32, randn } from '../helpers/random.ts';

const STATS_TOL = { atol: 1e-6, rtol: 1e-5 };
const GRAD_TOL = { atol: 1e-9, rtol: 1e-5 };

/** The margin is computed in f32 on the GPU: the reference sees it rounded as the GPU does. */
const margin = (rc: ArrayLike<number>, rr: ArrayLike<number>) => f32(Array.from(rc, (v, i) => v - rr[i]));

type F64 = TensorSpec<Float64Array>;

/** Forward and backward; the gradients start as NaN garbage: the backward overwrites, it does not accumulate. */
function preference(rc: F64, rr: F64, label: string, lossTol: Tolerance = STATS_TOL) {
  const P = rc.data.length;
  return kernelCase({
    tensors: { stats: output([4]), losses: output([P]), rc, rr, dChosen: overwrite([P]), dRejected: overwrite([P]) },
    launch: (gpu, t) => [
      preferenceLossForward(gpu, t.stats, t.losses, t.rc, t.rr, P),
      preferenceLossBackward(gpu, t.dChosen, t.dRejected, t.rc, t.rr, P),
    ],
    reference: (x) => {
      const m = margin(x.rc, x.rr);
      const fwd = preferenceLossForwardRef(m, new Float64Array(P), P);
      const bwd = preferenceLossBackwardRef(m, new Float64Array(P), P);
      return {
        losses: { want: fwd.losses, tol: lossTol },
        stats: { want: fwd.stats, tol: STATS_TOL },
        dChosen: bwd.dChosen,
        dRejected: bwd.dRejected,
      };
    },
    tol: GRAD_TOL,
    label,
  });
}

/** Forward and backward on one rewards[2P] tensor, chosen then rejected; drewards starts as NaN garbage. */
function paired(rc: Float64Array, rr: Float64Array, label: string) {
  const P = rc.length;
  return kernelCase({
    tensors: {
      stats: output([4]),
      losses: output([P]),
      rewards: input([2 * P], [...rc, ...rr]),
      drewards: overwrite([2 * P]),
    },
    launch: (gpu, t) => [
      preferenceLossForwardPaired(gpu, t.stats, t.losses, t.rewards, P),
      preferenceLossBackwardPaired(gpu, t.drewards, t.rewards, P),
    ],
    reference: (x) => {
      const m = margin(x.rewards.subarray(0, P), x.rewards.subarray(P));
      const fwd = preferenceLossForwardRef(m, new Float64Array(P), P);
      const bwd = preferenceLossBackwardRef(m, new Float64Array(P), P);
      return {
        stats: { want: fwd.stats, tol: STATS_TOL },
        losses: { want: fwd.losses, tol: STATS_TOL },
        drewards: [...bwd.dChosen, ...bwd.dRejected],
      };
    },
    tol: GRAD_TOL,
    label,
  });
}

/** The accuracy counts pairs (a tie 0.5): the GPU's count of them must be the reference's. */
async function checkWithAccuracy(c: ReturnType<typeof preference>) {
  const { got, x } = await checkKernel(c);
  const P = x.rc.length;
  const ref = preferenceLossForwardRef(margin(x.rc, x.rr), new Float64Array(P), P);
  expect(Math.round(got.stats[1] * P * 2) / 2).toBe(Math.round(ref.stats[1] * P * 2) / 2);
}

describe('preference loss on the GPU matches the float64 reference', () => {
  for (const P of [1, 7, 65, 300, 1000]) {
    it(`forward and backward at P=${P}`, async () => {
      await checkWithAccuracy(preference(normal([P], P, 3), normal([P], P + 1, 3), `P=${P}`));
    });
  }

  it('is stable at margins of ±1e4, small margins and ties, and keeps the digits of tiny losses', async () => {
    const rc = [1e4, -1e4, 0, 5, 1e-3, -30, 80, 2.5, 10, 15, 20, 3];
    const rr = [0, 0, 0, 5, 0, 0, -20, 2.5, 0, 0, 0, 0];
    // −log σ(20) ≈ 2e-9: a naive log(1 + exp(−m)) would round it to 0 or lose most of its digits
    await checkWithAccuracy(preference(input([12], rc), input([12], rr), 'extreme', { atol: 1e-30, rtol: 2e-5 }));
  });

  for (const P of [1, 7, 300]) {
    it(`reads chosen and rejected rewards from one [2P] tensor (paired layout) at P=${P}`, async () => {
      await checkKernel(paired(randn(P, P, 3), randn(P, P + 7, 3), `paired P=${P}`));
    });
  }

  it('the backward covers every pair when P needs a second grid dimension (P > 65535·256)', async () => {
    const P = secondGridN(256);
    const [rc, rr] = [new Float64Array(P), new Float64Array(P)];
    for (let i = 0; i < P; i++) [rc[i], rr[i]] = [((i % 1013) - 506) / 64, ((i % 1019) - 509) / 64];
    await checkKernel(
      kernelCase({
        tensors: { rc: input([P], rc), rr: input([P], rr), dChosen: overwrite([P]), dRejected: overwrite([P]) },
        launch: (gpu, t) => [preferenceLossBackward(gpu, t.dChosen, t.dRejected, t.rc, t.rr, P)],
        reference: (x) => preferenceLossBackwardRef(margin(x.rc, x.rr), new Float64Array(P), P),
        tol: GRAD_TOL,
      }),
    );
  }, 120_000);

  it('a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const r = gpu.tensor('r', [5]);
    expect(() => preferenceLossForward(gpu, gpu.tensor('stats', [4]), gpu.tensor('losses', [4]), r, r, 5)).toThrow(
      /preference_loss_forward: losses is \[4\], expected \[P=5\]/,
    );
    expect(() => preferenceLossBackward(gpu, r, r, r, gpu.tensor('rr', [6]), 5)).toThrow(
      /preference_loss_backward: rRejected is \[6\], expected \[P=5\]/,
    );
  });
});
