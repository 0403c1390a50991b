import { describe, expect, it } from 'vitest';
import { PPO_STATS, PPO_STAT_NAMES, PpoStat, ppoLossBackward, ppoLossForward, ppoLossParams, ppoLossScratch, setPpoLoss, type PpoLossHyperparams } from '../../src/kernels/ppo_loss.ts';
import { ppoLossBackwardRef, ppoLossForwardRef, type PpoInputs } from '../../src/kernels/ppo_loss.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn, uniform } from '../helpers/random.ts';

const HP: PpoLossHyperparams = { cliprange: 0.2, cliprangeValue: 0.2, vfCoef: 0.1, entCoef: 0.01 };

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

async function compare(x: PpoInputs, hp: PpoLossHyperparams, what: string, tol = { atol: 1e-5, rtol: 1e-4 }) {
  const gpu = await testGpu();
  const N = x.logp.length;
  const t = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, gpu.tensor(k, [N], 'f32', v)])) as Record<keyof PpoInputs, ReturnType<typeof gpu.tensor>>;
  const stats = gpu.tensor('stats', [PPO_STATS]);
  // garbage where the gradients go: the backward overwrites, it does not accumulate
  const d = { logp: gpu.tensor('dlogp', [N], 'f32', randn(N, 91)), values: gpu.tensor('dvalues', [N], 'f32', randn(N, 92)), entropy: gpu.tensor('dentropy', [N], 'f32', randn(N, 93)) };
  const params = ppoLossParams(gpu);
  setPpoLoss(gpu, params, hp);
  gpu.run([
    ...ppoLossForward(gpu, stats, ppoLossScratch(gpu, N), t.logp, t.oldLogp, t.advantages, t.values, t.oldValues, t.returns, t.entropy, t.mask, params, N),
    ...ppoLossBackward(gpu, d.logp, d.values, d.entropy, t.logp, t.oldLogp, t.advantages, t.values, t.oldValues, t.returns, t.mask, stats, params, N),
  ]);
  const hp32 = { cliprange: Math.fround(hp.cliprange), cliprangeValue: Math.fround(hp.cliprangeValue), vfCoef: Math.fround(hp.vfCoef), entCoef: Math.fround(hp.entCoef) };
  const ref = ppoLossForwardRef(x, hp32, N);
  const got = await gpu.read(stats);
  for (const name of PPO_STAT_NAMES) expectClose([got[PpoStat[name]]], [ref[PpoStat[name]]], `${what}: ${name}`, tol);
  const bwd = ppoLossBackwardRef(x, hp32, N);
  const gtol = { atol: tol.atol / N, rtol: tol.rtol };
  expectClose(await gpu.read(d.logp), bwd.dlogp, `${what}: dlogp`, gtol);
  expectClose(await gpu.read(d.values), bwd.dvalues, `${what}: dvalues`, gtol);
  expectClose(await gpu.read(d.entropy), bwd.dentropy, `${what}: dentropy`, gtol);
  return ref;
}

describe('ppo loss on the GPU matches the float64 reference', () => {
  for (const N of [1, 7, 65, 300, 1000]) {
    it(`statistics and gradients at N=${N}`, async () => {
      const ref = await compare(inputs(N, N), HP, `N=${N}`);
      if (N >= 65) {
        // the data exercises both branches of both clips
        for (const name of ['policy/clipfrac', 'val/clipfrac'] as const) {
          expect(ref[PpoStat[name]], name).toBeGreaterThan(0.05);
          expect(ref[PpoStat[name]], name).toBeLessThan(0.95);
        }
      }
    });
  }

  it('more tokens than 1024 workgroups cover (grid-stride first pass)', async () => {
    await compare(inputs(263_000, 5), HP, 'N=263000', { atol: 1e-4, rtol: 1e-3 });
  });

  it('extreme log-ratios, advantages and values; other hyperparameters', async () => {
    const x = inputs(513, 17, { logRatio: 8, valueScale: 1e4, adv: 1e3 });
    await compare(x, { cliprange: 0.1, cliprangeValue: 1e3, vfCoef: 0.5, entCoef: 0 }, 'extreme', { atol: 1e-3, rtol: 1e-4 });
  });

  it('masked tokens are skipped even when they hold NaN, and no valid token gives zeros', async () => {
    const x = inputs(65, 3);
    for (let i = 0; i < 65; i++) {
      if (x.mask[i] === 0) for (const k of ['logp', 'advantages', 'values', 'returns', 'entropy'] as const) x[k][i] = NaN;
    }
    await compare(x, HP, 'NaN padding');
    x.mask.fill(0);
    const ref = await compare(x, HP, 'all masked');
    expect([...ref]).toEqual(new Array(PPO_STATS).fill(0));
  });

  it('bad arguments and a shape mismatch name the kernel', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [5]);
    const params = ppoLossParams(gpu);
    const stats = gpu.tensor('stats', [PPO_STATS]);
    expect(() => setPpoLoss(gpu, params, { ...HP, cliprange: -1 })).toThrow(/ppo_loss: cliprange must be in \[0, Infinity\]/);
    expect(() => ppoLossForward(gpu, stats, ppoLossScratch(gpu, 5), x, x, x, x, x, gpu.tensor('returns', [4]), x, x, params, 5)).toThrow(
      /ppo_loss_forward: returns is \[4\], expected \[N=5\]/,
    );
    expect(() => ppoLossForward(gpu, gpu.tensor('stats', [4]), ppoLossScratch(gpu, 5), x, x, x, x, x, x, x, x, params, 5)).toThrow(/ppo_loss_forward: stats is \[4\], expected \[9\]/);
    expect(() => ppoLossBackward(gpu, x, x, x, x, x, x, x, x, x, gpu.tensor('mask', [6]), stats, params, 5)).toThrow(/ppo_loss_backward: mask is \[6\], expected \[N=5\]/);
    expect(() => ppoLossBackward(gpu, x, x, x, x, x, x, x, x, x, x, stats, stats, 5)).toThrow(/ppo_loss_backward: params must be the uniform/);
  });
});
