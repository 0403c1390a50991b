// ppo_loss (forward statistics and backward gradients) on the GPU against the float64 reference: awkward N, a
// grid-stride first pass, extreme log-ratios and values, NaN in masked tokens, no valid token, and an N whose
// backward needs a second grid dimension.

import { describe, expect, it } from 'vitest';
import {
  PPO_STATS,
  PpoStat,
  ppoLossBackward,
  ppoLossForward,
  ppoLossParams,
  ppoLossScratch,
  setPpoLoss,
  type PpoLossHyperparams,
} from '../../src/kernels/ppo_loss.ts';
import { ppoLossBackwardRef, ppoLossForwardRef, type PpoInputs } from '../../src/kernels/ppo_loss.ref.ts';
import type { Tolerance } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { checkKernel, input, itShapes, kernelCase, output, overwrite, secondGridN } from '../helpers/kernel-case.ts';
import { f32, randn, uniform } from '../helpers/random.ts';

const HP: PpoLossHyperparams = { cliprange: 0.2, cliprangeValue: 0.2, vfCoef: 0.1, entCoef: 0.01 };
const TOL = { atol: 1e-5, rtol: 1e-4 };

/** The hyperparameters as the GPU's f32 uniform holds them. */
const hp32 = (hp: PpoLossHyperparams): PpoLossHyperparams => ({
  cliprange: Math.fround(hp.cliprange),
  cliprangeValue: Math.fround(hp.cliprangeValue),
  vfCoef: Math.fround(hp.vfCoef),
  entCoef: Math.fround(hp.entCoef),
});

function inputs(N: number, seed: number, { logRatio = 0.3, valueScale = 1, adv = 1 } = {}): PpoInputs {
  const oldLogp = f32(randn(N, seed, 1).map((v) => v - 2));
  const oldValues = f32(randn(N, seed + 1, valueScale));
  const dl = randn(N, seed + 2, logRatio);
  const dv = randn(N, seed + 4, 0.3 * valueScale);
  return {
    logp: f32(oldLogp.map((v, i) => v + dl[i])),
    oldLogp,
    advantages: f32(randn(N, seed + 3, adv)),
    values: f32(oldValues.map((v, i) => v + dv[i])),
    oldValues,
    returns: f32(randn(N, seed + 5, valueScale)),
    entropy: f32(uniform(N, seed + 6, 0, 3)),
    mask: uniform(N, seed + 7).map((u, i) => (u < 0.8 || i === 0 ? 1 : 0)),
  };
}

/**
 * Forward then backward; every statistic to `tol`, the gradients (which divide by the count) to atol/N. The
 * gradients start as NaN garbage: the backward overwrites them, it does not accumulate.
 */
function ppo(p: PpoInputs, hp: PpoLossHyperparams, label: string, tol: Tolerance = TOL) {
  const N = p.logp.length;
  const gradTol = { atol: (tol.atol ?? 0) / N, rtol: tol.rtol };
  return kernelCase({
    tensors: {
      logp: input([N], p.logp),
      oldLogp: input([N], p.oldLogp),
      advantages: input([N], p.advantages),
      values: input([N], p.values),
      oldValues: input([N], p.oldValues),
      returns: input([N], p.returns),
      entropy: input([N], p.entropy),
      mask: input([N], p.mask),
      stats: output([PPO_STATS]),
      dlogp: overwrite([N]),
      dvalues: overwrite([N]),
      dentropy: overwrite([N]),
    },
    launch: (gpu, t) => {
      const params = ppoLossParams(gpu);
      setPpoLoss(gpu, params, hp);
      const { logp, oldLogp, advantages, values, oldValues, returns, entropy, mask } = t;
      return [
        ...ppoLossForward(
          gpu,
          t.stats,
          ppoLossScratch(gpu, N),
          logp,
          oldLogp,
          advantages,
          values,
          oldValues,
          returns,
          entropy,
          mask,
          params,
          N,
        ),
        ...ppoLossBackward(
          gpu,
          t.dlogp,
          t.dvalues,
          t.dentropy,
          logp,
          oldLogp,
          advantages,
          values,
          oldValues,
          returns,
          mask,
          t.stats,
          params,
          N,
        ),
      ];
    },
    reference: (x) => {
      const bwd = ppoLossBackwardRef(x, hp32(hp), N);
      return {
        stats: { want: ppoLossForwardRef(x, hp32(hp), N), tol },
        dlogp: bwd.dlogp,
        dvalues: bwd.dvalues,
        dentropy: bwd.dentropy,
      };
    },
    tol: gradTol,
    label,
  });
}

describe('ppo loss on the GPU matches the float64 reference', () => {
  itShapes('statistics and gradients', [{ N: 1 }, { N: 7 }, { N: 65 }, { N: 257 }, { N: 300 }, { N: 1000 }], ({ N }) =>
    ppo(inputs(N, N), HP, `N=${N}`),
  );

  it('the data exercises both branches of both clips', () => {
    for (const N of [65, 257, 300, 1000]) {
      const ref = ppoLossForwardRef(inputs(N, N), hp32(HP), N);
      for (const name of ['policy/clipfrac', 'val/clipfrac'] as const) {
        expect(ref[PpoStat[name]], `N=${N} ${name}`).toBeGreaterThan(0.05);
        expect(ref[PpoStat[name]], `N=${N} ${name}`).toBeLessThan(0.95);
      }
    }
  });

  it('more tokens than 1024 workgroups cover (grid-stride first pass)', async () => {
    await checkKernel(ppo(inputs(263_000, 5), HP, 'N=263000', { atol: 1e-4, rtol: 1e-3 }));
  });

  it('extreme log-ratios, advantages and values; other hyperparameters', async () => {
    const x = inputs(513, 17, { logRatio: 8, valueScale: 1e4, adv: 1e3 });
    const hp = { cliprange: 0.1, cliprangeValue: 1e3, vfCoef: 0.5, entCoef: 0 };
    await checkKernel(ppo(x, hp, 'extreme', { atol: 1e-3, rtol: 1e-4 }));
  });

  it('masked tokens are skipped even when they hold NaN, and no valid token gives zeros', async () => {
    const x = inputs(65, 3);
    for (let i = 0; i < 65; i++) {
      if (x.mask[i] !== 0) continue;
      for (const k of ['logp', 'advantages', 'values', 'returns', 'entropy'] as const) x[k][i] = NaN;
    }
    await checkKernel(ppo(x, HP, 'NaN padding'));
    x.mask.fill(0);
    const { got } = await checkKernel(ppo(x, HP, 'all masked'));
    expect([...ppoLossForwardRef(x, hp32(HP), 65)]).toEqual(new Array(PPO_STATS).fill(0));
    const all = [...got.stats, ...got.dlogp, ...got.dvalues, ...got.dentropy];
    expect(all).toEqual(new Array(PPO_STATS + 3 * 65).fill(0));
  });

  it('the backward covers every token when N needs a second grid dimension (N > 65535·256)', async () => {
    const N = secondGridN(256);
    const names = ['logp', 'oldLogp', 'advantages', 'values', 'oldValues', 'returns', 'mask'] as const;
    type Host = Record<(typeof names)[number], Float64Array>;
    const d = Object.fromEntries(names.map((k) => [k, new Float64Array(N)])) as Host;
    for (let i = 0; i < N; i++) {
      // log-ratios in ±0.5 and value moves in ±0.25: both clips are active on some tokens, not on others
      d.oldLogp[i] = -2 - (i % 7) / 8;
      d.logp[i] = d.oldLogp[i] + ((i % 1013) - 506) / 1013;
      d.advantages[i] = ((i % 1019) - 509) / 256;
      d.oldValues[i] = ((i % 1021) - 510) / 256;
      d.values[i] = d.oldValues[i] + ((i % 1031) - 515) / 2048;
      d.returns[i] = ((i % 1033) - 516) / 256;
      d.mask[i] = i % 5 === 3 ? 0 : 1;
    }
    const host = (x: Host): PpoInputs => ({ ...x, entropy: new Float64Array(0) }); // the backward reads no entropy
    const rounded = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, f32(v)])) as Host;
    const stats = ppoLossForwardRef(host(rounded), hp32(HP), N); // the backward reads only its count
    await checkKernel(
      kernelCase({
        tensors: {
          logp: input([N], d.logp),
          oldLogp: input([N], d.oldLogp),
          advantages: input([N], d.advantages),
          values: input([N], d.values),
          oldValues: input([N], d.oldValues),
          returns: input([N], d.returns),
          mask: input([N], d.mask),
          stats: input([PPO_STATS], stats),
          dlogp: overwrite([N]),
          dvalues: overwrite([N]),
          dentropy: overwrite([N]),
        },
        launch: (gpu, t) => {
          const params = ppoLossParams(gpu);
          setPpoLoss(gpu, params, HP);
          const { logp, oldLogp, advantages, values, oldValues, returns, mask } = t;
          return ppoLossBackward(
            gpu,
            t.dlogp,
            t.dvalues,
            t.dentropy,
            logp,
            oldLogp,
            advantages,
            values,
            oldValues,
            returns,
            mask,
            t.stats,
            params,
            N,
          );
        },
        reference: (x) => ppoLossBackwardRef(host(x), hp32(HP), N),
        tol: { atol: 1e-12, rtol: 1e-5 },
      }),
    );
  }, 180_000);

  it('bad arguments and a shape mismatch name the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [5]);
    const params = ppoLossParams(gpu);
    const stats = gpu.tensor('stats', [PPO_STATS]);
    const scratch = ppoLossScratch(gpu, 5);
    expect(() => setPpoLoss(gpu, params, { ...HP, cliprange: -1 })).toThrow(
      /ppo_loss: cliprange must be in \[0, Infinity\]/,
    );
    const returns4 = gpu.tensor('returns', [4]);
    expect(() => ppoLossForward(gpu, stats, scratch, x, x, x, x, x, returns4, x, x, params, 5)).toThrow(
      /ppo_loss_forward: returns is \[4\], expected \[N=5\]/,
    );
    expect(() => ppoLossForward(gpu, gpu.tensor('stats', [4]), scratch, x, x, x, x, x, x, x, x, params, 5)).toThrow(
      /ppo_loss_forward: stats is \[4\], expected \[9\]/,
    );
    expect(() => ppoLossBackward(gpu, x, x, x, x, x, x, x, x, x, gpu.tensor('mask', [6]), stats, params, 5)).toThrow(
      /ppo_loss_backward: mask is \[6\], expected \[N=5\]/,
    );
    expect(() => ppoLossBackward(gpu, x, x, x, x, x, x, x, x, x, x, stats, stats, 5)).toThrow(
      /ppo_loss_backward: params must be the uniform/,
    );
  });
});
