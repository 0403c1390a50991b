// Kernel self-check: runs kernels on this adapter against their float64 references on small random
// inputs (awkward sizes included) and reports the worst error of each. The notebook runs it on the
// user's GPU at start-up; the browser smoke test runs it in headless Chromium.

import type { Gpu } from './gpu.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.ts';
import { matmulBackwardRef, matmulForwardRef } from './matmul.ref.ts';
import { randn } from './random.ts';

export interface CheckResult {
  kernel: string;
  maxError: number;
  tolerance: number;
  ok: boolean;
}

const f32 = (x: Float64Array) => Float64Array.from(Float32Array.from(x));

function maxScaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

async function checkMatmul(gpu: Gpu): Promise<CheckResult[]> {
  const [N, C, OC] = [37, 65, 33];
  const inp = f32(randn(N * C, 1));
  const w = f32(randn(OC * C, 2));
  const b = f32(randn(OC, 3));
  const dout = f32(randn(N * OC, 4));
  const t = {
    inp: gpu.tensor('check inp', [N, C], 'f32', inp),
    w: gpu.tensor('check weight', [OC, C], 'f32', w),
    b: gpu.tensor('check bias', [OC], 'f32', b),
    out: gpu.tensor('check out', [N, OC]),
    dout: gpu.tensor('check dout', [N, OC], 'f32', dout),
    dinp: gpu.tensor('check dinp', [N, C]),
    dw: gpu.tensor('check dweight', [OC, C]),
  };
  gpu.run([
    matmulForward(gpu, t.out, t.inp, t.w, t.b, N, C, OC),
    matmulBackwardInput(gpu, t.dinp, t.dout, t.w, N, C, OC),
    matmulBackwardWeight(gpu, t.dw, t.dout, t.inp, N, C, OC),
  ]);
  const ref = matmulBackwardRef(dout, inp, w, N, C, OC);
  const tol = 1e-4;
  const results = [
    ['matmul_forward', maxScaledError(await gpu.read(t.out), matmulForwardRef(inp, w, b, N, C, OC))],
    ['matmul_backward_input', maxScaledError(await gpu.read(t.dinp), ref.dinp)],
    ['matmul_backward_weight', maxScaledError(await gpu.read(t.dw), ref.dweight)],
  ] as const;
  Object.values(t).forEach((x) => x.buffer.destroy());
  return results.map(([kernel, maxError]) => ({ kernel, maxError, tolerance: tol, ok: maxError <= tol }));
}

export async function selfCheck(gpu: Gpu): Promise<CheckResult[]> {
  return [...(await checkMatmul(gpu))];
}
