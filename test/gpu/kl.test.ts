import { describe, expect, it } from 'vitest';
import { klBackward, klForward } from '../../src/kernels/kl.ts';
import { klBackwardRef, klForwardRef } from '../../src/kernels/kl.ref.ts';
import type { Tolerance } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  accumulate,
  checkKernel,
  input,
  itShapes,
  kernelCase,
  normal,
  output,
  secondGridN,
} from '../helpers/kernel-case.ts';
import { f32, randn } from '../helpers/random.ts';

/** Forward and backward (accumulating into dlogp, whose prior is zero when `priorScale` is) against the reference. */
function kl(
  logp: ArrayLike<number>,
  refLogp: ArrayLike<number>,
  estimator: 1 | 3,
  label: string,
  tol: Tolerance = { atol: 1e-6, rtol: 1e-5 },
  priorScale = 1,
) {
  const N = logp.length;
  return kernelCase({
    tensors: {
      kl: output([N]),
      logp: input([N], logp),
      refLogp: input([N], refLogp),
      dkl: normal([N], 3),
      dlogp: accumulate([N], 4, priorScale),
    },
    launch: (gpu, t) => [
      klForward(gpu, t.kl, t.logp, t.refLogp, N, estimator),
      klBackward(gpu, t.dlogp, t.dkl, t.logp, t.refLogp, N, estimator),
    ],
    reference: (x) => {
      // d = ref − logp is an f32 subtraction on the GPU: the reference sees the same rounded d
      const d = f32(x.refLogp.map((r, i) => r - x.logp[i]));
      const zero = new Float64Array(N);
      return { kl: klForwardRef(zero, d, N, estimator), dlogp: klBackwardRef(x.dkl, zero, d, N, estimator) };
    },
    tol,
    label,
  });
}

describe('kl on the GPU matches the float64 reference', () => {
  for (const estimator of [1, 3] as const) {
    itShapes(`k${estimator} forward and backward`, [{ N: 1 }, { N: 7 }, { N: 65 }, { N: 300 }, { N: 1000 }], ({ N }) =>
      kl(
        randn(N, N, 2).map((v) => v - 3),
        randn(N, N + 1, 2).map((v) => v - 3),
        estimator,
        `k${estimator} N=${N}`,
      ),
    );
    it(`k${estimator} at extreme and tiny log-ratios`, async () => {
      // |d| up to 80 (exp(80) is finite in f32), d = −1e4 (exp underflows to 0), and tiny d where
      // exp(d) − 1 − d and 1 − exp(d) cancel: relative accuracy is required there (no prior in dlogp)
      const logp = [-1e4, 0, -80, -1, -1, -1, -1, -20, -5, -2, -3, -3];
      const ref = [-1e4, -1e4, 0, -1 + 1e-4, -1 - 3e-3, -1.4, -0.6, -100, -5, -2.0000002, -3.4999, -2.5001];
      await checkKernel(kl(logp, ref, estimator, `k${estimator} extreme`, { atol: 1e-30, rtol: 3e-5 }, 0));
    });
    it(`k${estimator} covers every element when N needs a second grid dimension (N > 65535·256)`, async () => {
      const N = secondGridN(256);
      const logp = new Float64Array(N);
      const ref = new Float64Array(N);
      for (let i = 0; i < N; i++) [logp[i], ref[i]] = [-1 - (i % 1013) / 256, -1 - (i % 1019) / 256];
      await checkKernel(kl(logp, ref, estimator, `k${estimator} N=${N}`));
    });
  }

  it('an unknown estimator or a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [5]);
    expect(() => klForward(gpu, x, x, gpu.tensor('ref', [4]), 5, 1)).toThrow(
      /kl_forward: refLogp is \[4\], expected \[N=5\]/,
    );
    expect(() => klBackward(gpu, x, gpu.tensor('dkl', [6]), x, x, 5, 3)).toThrow(
      /kl_backward: dkl is \[6\], expected \[N=5\]/,
    );
    expect(() => klForward(gpu, x, x, x, 5, 2 as 1)).toThrow(/kl_forward: estimator must be 1 or 3/);
  });
});
