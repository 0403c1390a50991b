import { describe, expect, it } from 'vitest';
import { klBackward, klForward } from '../../src/kernels/kl.ts';
import { klBackwardRef, klForwardRef } from '../../src/kernels/kl.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

async function compare(logp: Float64Array, refLogp: Float64Array, estimator: 1 | 3, what: string, tol = { atol: 1e-6, rtol: 1e-5 }) {
  const gpu = await testGpu();
  const N = logp.length;
  const dkl = f32(randn(N, 3));
  const prior = f32(randn(N, 4, tol.atol < 1e-6 ? 0 : 1)); // the backward accumulates into what is there
  const t = {
    kl: gpu.tensor('kl', [N]), logp: gpu.tensor('logp', [N], 'f32', logp), ref: gpu.tensor('ref_logp', [N], 'f32', refLogp),
    dkl: gpu.tensor('dkl', [N], 'f32', dkl), dlogp: gpu.tensor('dlogp', [N], 'f32', prior),
  };
  gpu.run([klForward(gpu, t.kl, t.logp, t.ref, N, estimator), klBackward(gpu, t.dlogp, t.dkl, t.logp, t.ref, N, estimator)]);
  // d = ref − logp is an f32 subtraction on the GPU: the reference sees the same rounded d
  const d = f32(refLogp.map((r, i) => r - logp[i]));
  const zero = new Float64Array(N);
  expectClose(await gpu.read(t.kl), klForwardRef(zero, d, N, estimator), `${what}: kl`, tol);
  const dlogp = klBackwardRef(dkl, zero, d, N, estimator).map((v, i) => v + prior[i]);
  expectClose(await gpu.read(t.dlogp), dlogp, `${what}: dlogp`, tol);
}

describe('kl on the GPU matches the float64 reference', () => {
  for (const estimator of [1, 3] as const) {
    for (const N of [1, 7, 65, 300, 1000]) {
      it(`k${estimator} forward and backward at N=${N}`, async () => {
        await compare(f32(randn(N, N, 2).map((v) => v - 3)), f32(randn(N, N + 1, 2).map((v) => v - 3)), estimator, `k${estimator} N=${N}`);
      });
    }
    it(`k${estimator} at extreme and tiny log-ratios`, async () => {
      // |d| up to 80 (exp(80) is finite in f32), d = −1e4 (exp underflows to 0), and tiny d where
      // exp(d) − 1 − d and 1 − exp(d) cancel: relative accuracy is required there (no prior in dlogp)
      const logp = f32([-1e4, 0, -80, -1, -1, -1, -1, -20, -5, -2, -3, -3]);
      const ref = f32([-1e4, -1e4, 0, -1 + 1e-4, -1 - 3e-3, -1.4, -0.6, -100, -5, -2.0000002, -3.4999, -2.5001]);
      await compare(logp, ref, estimator, `k${estimator} extreme`, { atol: 1e-30, rtol: 3e-5 });
    });
  }

  it('an unknown estimator or a shape mismatch names the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [5]);
    expect(() => klForward(gpu, x, x, gpu.tensor('ref', [4]), 5, 1)).toThrow(/kl_forward: refLogp is \[4\], expected \[N=5\]/);
    expect(() => klBackward(gpu, x, gpu.tensor('dkl', [6]), x, x, 5, 3)).toThrow(/kl_backward: dkl is \[6\], expected \[N=5\]/);
    expect(() => klForward(gpu, x, x, x, 5, 2 as 1)).toThrow(/kl_forward: estimator must be 1 or 3/);
  });
});
