import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { logprobBackward, logprobForward } from '../../src/kernels/logprob.ts';
import { logprobBackwardRef, logprobForwardRef } from '../../src/kernels/logprob.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randint, randn } from '../helpers/random.ts';

/** Forward and backward (into non-zero dlogits: it accumulates) against the reference; returns the GPU's results. */
async function compare(gpu: Gpu, logits: Float64Array, tokens: Uint32Array, N: number, V: number, temperature = 1) {
  const dlogp = f32(randn(N, 3));
  const dentropy = f32(randn(N, 4));
  const prior = f32(randn(N * V, 5));
  const t = {
    logp: gpu.tensor('logp', [N]), entropy: gpu.tensor('entropy', [N]), logits: gpu.tensor('logits', [N, V], 'f32', logits),
    tokens: gpu.tensor('tokens', [N], 'u32', tokens), dlogp: gpu.tensor('dlogp', [N], 'f32', dlogp),
    dentropy: gpu.tensor('dentropy', [N], 'f32', dentropy), dlogits: gpu.tensor('dlogits', [N, V], 'f32', prior),
  };
  gpu.run([
    logprobForward(gpu, t.logp, t.entropy, t.logits, t.tokens, N, V, temperature),
    logprobBackward(gpu, t.dlogits, t.logits, t.tokens, t.dlogp, t.dentropy, N, V, temperature),
  ]);
  const ref = logprobForwardRef(logits, tokens, N, V, temperature);
  const out = { logp: await gpu.read(t.logp), entropy: await gpu.read(t.entropy), dlogits: await gpu.read(t.dlogits) };
  const tol = { atol: 1e-4, rtol: 1e-5 };
  expectClose(out.logp, ref.logp, 'logp', tol);
  expectClose(out.entropy, ref.entropy, 'entropy', tol);
  const dlogits = logprobBackwardRef(dlogp, dentropy, logits, tokens, N, V, temperature).map((v, i) => v + prior[i]);
  expectClose(out.dlogits, dlogits, 'dlogits', { atol: 1e-5, rtol: 1e-4 });
  return out;
}

describe('logprob on the GPU matches the float64 reference', () => {
  for (const [N, V] of [[1, 1], [3, 7], [5, 65], [4, 300], [3, 513], [2, 50257]]) {
    for (const temperature of [1, 0.7]) {
      it(`forward and backward at N=${N} V=${V} τ=${temperature}`, async () => {
        await compare(await testGpu(), f32(randn(N * V, N + V, 2)), randint(N, V, V), N, V, temperature);
      });
    }
  }

  it('logits of ±1e4: no NaN, entropy exactly 0 when one logit dominates, out-of-range tokens clamped', async () => {
    const V = 7;
    const rows = [
      [1e4, -1e4, 0, 5, -5, -1e4, -3],          // one dominant logit, chosen
      [1e4, -1e4, 0, 5, -5, -1e4, -3],          // one dominant logit, a far-below token: logp = −2e4
      [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4], // uniform at −1e4: entropy log 7
      [1e4, 1e4, -1e4, -1e4, -1e4, -1e4, -1e4],  // two tied: entropy log 2
      [0, 0, 0, 0, 0, 0, 30],                    // token 1e9 → V − 1
    ];
    const out = await compare(await testGpu(), f32(rows.flat()), Uint32Array.of(0, 1, 3, 1, 1e9), rows.length, V);
    expect(out.entropy[0]).toBe(0);
    expect(out.entropy[1]).toBe(0);
    expect(out.logp[0]).toBe(0);
    expect(out.logp[1]).toBe(-2e4);
    expect([...out.logp, ...out.entropy, ...out.dlogits].every(Number.isFinite)).toBe(true);
  });

  it('a high temperature flattens the distribution (τ = 3 at V=300)', async () => {
    const [N, V] = [2, 300];
    const out = await compare(await testGpu(), f32(randn(N * V, 9, 4)), randint(N, 10, V), N, V, 3);
    const cold = logprobForwardRef(f32(randn(N * V, 9, 4)), randint(N, 10, V), N, V, 1);
    expect(out.entropy[0]).toBeGreaterThan(cold.entropy[0]);
  });

  it('a shape mismatch or a bad temperature names the kernel', async () => {
    const gpu = await testGpu();
    const [N, V] = [4, 9];
    const logits = gpu.tensor('logits', [N, V]);
    const n = gpu.tensor('n', [N]);
    const tokens = gpu.tensor('tokens', [N], 'u32');
    expect(() => logprobForward(gpu, n, n, gpu.tensor('logits', [N + 1, V]), tokens, N, V)).toThrow(
      /logprob_forward: logits is \[5,9\], expected \[N=4, V=9\].*tokens=tokens\[4\]/,
    );
    expect(() => logprobForward(gpu, n, n, logits, n, N, V)).toThrow(/logprob_forward: tokens is f32, expected u32/);
    expect(() => logprobBackward(gpu, logits, logits, tokens, n, gpu.tensor('dentropy', [3]), N, V)).toThrow(/logprob_backward: dentropy is \[3\], expected \[N=4\]/);
    expect(() => logprobForward(gpu, n, n, logits, tokens, N, V, 0)).toThrow(/logprob_forward: temperature must be in/);
    expect(() => logprobBackward(gpu, logits, logits, tokens, n, n, N, V, NaN)).toThrow(/logprob_backward: temperature must be in/);
  });
});
