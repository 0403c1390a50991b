// crossentropy (forward, and the backward that overwrites dlogits) and masked_mean / loss_weights on the GPU against
// the float64 reference: awkward N and V, the GPT-2 vocabulary, logits of ±1e4, clamped targets, masks with inf and
// NaN where masked out, and an N·V whose backward grid needs a second dimension.

import { describe, expect, it } from 'vitest';
import { crossentropyBackward, crossentropyForward } from '../../src/kernels/crossentropy.ts';
import { crossentropyBackwardRef, crossentropyForwardRef } from '../../src/kernels/crossentropy.ref.ts';
import { lossWeights, maskedMean } from '../../src/kernels/masked_mean.ts';
import { lossWeightsRef, maskedMeanRef } from '../../src/kernels/masked_mean.ref.ts';
import type { Tolerance } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  checkKernel,
  input,
  itShapes,
  kernelCase,
  normal,
  overwrite,
  secondGridN,
  u32,
} from '../helpers/kernel-case.ts';
import { randint, randn, uniform } from '../helpers/random.ts';

/**
 * Forward (losses, lse into NaN garbage) and backward (unless `forwardOnly`; dlogits starts as NaN garbage: the
 * backward overwrites it) against the reference.
 */
function crossentropy(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  N: number,
  V: number,
  { forwardOnly = false, dtol = { atol: 1e-6, rtol: 1e-4 } }: { forwardOnly?: boolean; dtol?: Tolerance } = {},
) {
  return kernelCase({
    tensors: {
      losses: overwrite([N]),
      lse: overwrite([N]),
      logits: input([N, V], logits),
      targets: u32([N], targets),
      dlosses: normal([N], 3),
      dlogits: overwrite([N, V]),
    },
    launch: (gpu, t) => [
      crossentropyForward(gpu, t.losses, t.lse, t.logits, t.targets, N, V),
      ...(forwardOnly ? [] : [crossentropyBackward(gpu, t.dlogits, t.logits, t.lse, t.targets, t.dlosses, N, V)]),
    ],
    reference: (x) => {
      const ref = crossentropyForwardRef(x.logits, x.targets, N, V);
      const tol = { atol: 1e-4, rtol: 1e-5 };
      return {
        lse: { want: ref.lse, tol },
        losses: { want: ref.losses, tol },
        ...(forwardOnly
          ? {}
          : {
              dlogits: { want: crossentropyBackwardRef(x.dlosses, x.logits, x.targets, N, V), tol: dtol },
            }),
      };
    },
  });
}

describe('crossentropy on the GPU matches the float64 reference', () => {
  const shapes = [
    { N: 1, V: 1 },
    { N: 3, V: 7 },
    { N: 5, V: 65 },
    { N: 4, V: 300 },
    { N: 7, V: 513 },
  ];
  itShapes('forward and backward', shapes, ({ N, V }) => crossentropy(randn(N * V, N + V, 3), randint(N, V, V), N, V));

  it('forward at the GPT-2 vocabulary V=50257', async () => {
    const [N, V] = [3, 50257];
    await checkKernel(crossentropy(randn(N * V, 5, 2), [0, 50256, 12345], N, V, { forwardOnly: true }));
  });

  it('logits of ±1e4 (no overflow, no NaN) and out-of-range targets clamped to V − 1', async () => {
    const V = 7;
    const rows = [
      [1e4, -1e4, 0, 5, -5, 1e4 - 1, -3], // target on a dominant logit
      [1e4, -1e4, 0, 5, -5, 1e4 - 1, -3], // target far below: loss 2e4
      [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4],
      [3e4, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 1], // target 1e9 → V − 1
    ];
    // the backward reads lse in f32, whose ulp at 1e4 is 1e-3: softmax is good to ~|lse|·2⁻²⁴ there
    const dtol = { atol: 1e-6, rtol: 2e-3 };
    await checkKernel(crossentropy(rows.flat(), [0, 1, 3, 6, 1e9], rows.length, V, { dtol }));
  });

  // The forward is one workgroup per row (few rows here); the backward's 1-D grid over N·V folds into y.
  itShapes(
    'the backward covers every logit when N·V needs a second grid dimension (N·V > 65535·256)',
    [{ N: 5, V: Math.ceil(secondGridN(256) / 5) }],
    ({ N, V }) => crossentropy(randn(N * V, 6, 2), randint(N, 7, V), N, V),
    120_000,
  );

  it('a shape mismatch names the kernel and every shape', async () => {
    const gpu = await testGpu();
    const [N, V] = [4, 9];
    const logits = gpu.tensor('logits', [N, V]);
    const n = gpu.tensor('n', [N]);
    const targets = gpu.tensor('targets', [N], 'u32');
    expect(() => crossentropyForward(gpu, n, n, gpu.tensor('logits', [N, V + 1]), targets, N, V)).toThrow(
      /crossentropy_forward: logits is \[4,10\], expected \[N=4, V=9\].*targets=targets\[4\]/,
    );
    expect(() => crossentropyForward(gpu, n, n, logits, n, N, V)).toThrow(
      /crossentropy_forward: targets is f32, expected u32/,
    );
    expect(() => crossentropyBackward(gpu, logits, logits, n, targets, gpu.tensor('dlosses', [N + 1]), N, V)).toThrow(
      /crossentropy_backward: dlosses is \[5\], expected \[N=4\]/,
    );
  });
});

describe('masked_mean and loss_weights on the GPU match the float64 reference', () => {
  /** The mean and the weights into NaN garbage (both kernels overwrite). */
  function masked(values: ArrayLike<number>, mask: ArrayLike<number>) {
    const N = values.length;
    return kernelCase({
      tensors: { loss: overwrite([1]), losses: input([N], values), mask: input([N], mask), dlosses: overwrite([N]) },
      launch: (gpu, t) => [maskedMean(gpu, t.loss, t.losses, t.mask, N), lossWeights(gpu, t.dlosses, t.mask, N)],
      reference: (x) => ({
        loss: { want: maskedMeanRef(x.losses, x.mask, N), tol: { atol: 1e-6, rtol: 1e-5 } },
        dlosses: { want: lossWeightsRef(x.mask, N), tol: { atol: 1e-9, rtol: 1e-6 } },
      }),
    });
  }

  itShapes('mean and weights', [{ N: 1 }, { N: 7 }, { N: 65 }, { N: 300 }, { N: 5000 }], ({ N }) =>
    masked(
      uniform(N, N + 1, 0, 12),
      uniform(N, N, 0, 1).map((u) => (u < 0.3 ? 0 : u < 0.9 ? 1 : u)),
    ),
  );

  it('an all-zero mask gives 0, and inf / NaN at masked-out positions are ignored', async () => {
    await checkKernel(masked([Infinity, NaN, 2], [0, 0, 0]));
    await checkKernel(masked([Infinity, NaN, 2, 5, -Infinity], [0, 0, 1, 1, 0]));
  });

  it('a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [5]);
    expect(() => maskedMean(gpu, gpu.tensor('loss', [2]), x, x, 5)).toThrow(
      /masked_mean: out is \[2\], expected \[1\]/,
    );
    expect(() => lossWeights(gpu, x, gpu.tensor('mask', [4]), 5)).toThrow(
      /loss_weights: mask is \[4\], expected \[N=5\]/,
    );
  });
});
