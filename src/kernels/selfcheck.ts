// Kernel self-check: runs kernels on this adapter against their float64 references on small random
// inputs (awkward sizes included) and reports the worst error of each. The notebook runs it on the
// user's GPU at start-up; the browser smoke test runs it in headless Chromium.

import { attentionBackward, attentionForward } from './attention.ts';
import { attentionBackwardRef, attentionForwardRef } from './attention.ref.ts';
import { crossentropyBackward, crossentropyForward } from './crossentropy.ts';
import { crossentropyBackwardRef, crossentropyForwardRef } from './crossentropy.ref.ts';
import { geluForward } from './gelu.ts';
import { geluForwardRef } from './gelu.ref.ts';
import type { Gpu, Tensor } from './gpu.ts';
import { layernormForward } from './layernorm.ts';
import { layernormForwardRef } from './layernorm.ref.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.ts';
import { matmulBackwardRef, matmulForwardRef } from './matmul.ref.ts';
import { randn } from '../util/random.ts';

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

/** Layer norm, GELU, attention forward + backward and cross-entropy forward + backward. */
async function checkTransformerOps(gpu: Gpu): Promise<CheckResult[]> {
  const [B, T, C, NH, V] = [2, 13, 24, 3, 37];
  const N = B * T;
  const made: Tensor[] = [];
  const t = (label: string, shape: number[], data?: Float64Array, dtype: 'f32' | 'u32' = 'f32') => {
    const x = gpu.tensor(`check ${label}`, shape, dtype, data);
    made.push(x);
    return x;
  };
  const x = f32(randn(N * C, 5));
  const w = f32(randn(C, 6));
  const b = f32(randn(C, 7));
  const qkv = f32(randn(N * 3 * C, 8));
  const dout = f32(randn(N * C, 9));
  const logits = f32(randn(N * V, 10, 3));
  const targets = Uint32Array.from({ length: N }, (_, i) => (i * 7) % V);
  const dlosses = f32(randn(N, 11));
  const tx = t('x', [N, C], x);
  const ln = { out: t('ln', [N, C]), mean: t('mean', [N]), rstd: t('rstd', [N]) };
  const gelu = t('gelu', [N, C]);
  const att = {
    qkv: t('qkv', [B, T, 3 * C], qkv),
    out: t('att', [B, T, C]),
    lse: t('lse', [B, NH, T]),
    dout: t('datt', [B, T, C], dout),
    dqkv: t('dqkv', [B, T, 3 * C]),
  };
  const ce = {
    logits: t('logits', [N, V], logits),
    targets: t('targets', [N], undefined, 'u32'),
    losses: t('losses', [N]),
    lse: t('ce lse', [N]),
    dlosses: t('dlosses', [N], dlosses),
    dlogits: t('dlogits', [N, V]),
  };
  gpu.write(ce.targets, targets);
  gpu.run([
    layernormForward(gpu, ln.out, ln.mean, ln.rstd, tx, t('w', [C], w), t('b', [C], b), N, C),
    geluForward(gpu, gelu, tx, N * C),
    attentionForward(gpu, att.out, att.lse, att.qkv, null, B, T, C, NH),
    ...attentionBackward(gpu, att.dqkv, att.dout, att.qkv, att.out, att.lse, null, B, T, C, NH),
    crossentropyForward(gpu, ce.losses, ce.lse, ce.logits, ce.targets, N, V),
    crossentropyBackward(gpu, ce.dlogits, ce.logits, ce.lse, ce.targets, ce.dlosses, N, V),
  ]);
  const attRef = attentionForwardRef(qkv, null, B, T, C, NH);
  const results: [string, number][] = [
    ['layernorm_forward', maxScaledError(await gpu.read(ln.out), layernormForwardRef(x, w, b, N, C).out)],
    ['gelu_forward', maxScaledError(await gpu.read(gelu), geluForwardRef(x, N * C))],
    ['attention_forward', maxScaledError(await gpu.read(att.out), attRef.out)],
    [
      'attention_backward',
      maxScaledError(
        await gpu.read(att.dqkv),
        attentionBackwardRef(dout, qkv, attRef.out, attRef.lse, null, B, T, C, NH),
      ),
    ],
    [
      'crossentropy_forward',
      maxScaledError(await gpu.read(ce.losses), crossentropyForwardRef(logits, targets, N, V).losses),
    ],
    [
      'crossentropy_backward',
      maxScaledError(await gpu.read(ce.dlogits), crossentropyBackwardRef(dlosses, logits, targets, N, V)),
    ],
  ];
  made.forEach((m) => m.buffer.destroy());
  const tol = 1e-4;
  return results.map(([kernel, maxError]) => ({ kernel, maxError, tolerance: tol, ok: maxError <= tol }));
}

export async function selfCheck(gpu: Gpu): Promise<CheckResult[]> {
  return [...(await checkMatmul(gpu)), ...(await checkTransformerOps(gpu))];
}
