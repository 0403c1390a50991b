// sample on the GPU against the float64 reference: at awkward V the token the reference's inverse CDF picks at the
// same uniform and its log-probability, greedy argmax with ties, then statistical checks (top-k support, χ² of 2000
// draws, determinism per seed) on draws whose log-probabilities are also checked, extreme logits, and a pos outside
// the row. One workgroup per row, B ≤ 65535 (checked): no grid is a folded 1-D grid.

import { describe, expect, it } from 'vitest';
import { samplerForward, samplerParams, setSampling, type SamplingParams } from '../../src/kernels/sample.ts';
import {
  sampleRef,
  sampleUniformRef,
  samplingDistributionRef,
  samplingLogProbsRef,
} from '../../src/kernels/sample.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import { checkKernel, input, itShapes, kernelCase, output, type Expected } from '../helpers/kernel-case.ts';
import { f32, randn } from '../helpers/random.ts';

const LOGP_TOL = { atol: 1e-4, rtol: 1e-4 };

/**
 * Runs the sampler once per entry of `draws` (each setting its own pos in the uniform between runs) into
 * tokens and logp [B, TT], which start zeroed; `reference` says what they must hold.
 */
function sampling(
  logits: ArrayLike<number>,
  B: number,
  V: number,
  TT: number,
  draws: readonly SamplingParams[],
  reference: (logits: Float64Array, got: Record<string, Float64Array>) => Record<string, Expected>,
  label?: string,
) {
  return kernelCase({
    tensors: { logits: input([B, V], logits), tokens: output([B, TT], 'u32'), logp: output([B, TT]) },
    launch: async (gpu, t) => {
      const params = samplerParams(gpu);
      const d = samplerForward(gpu, t.tokens, t.logp, t.logits, params, B, V, TT);
      for (const p of draws) {
        setSampling(gpu, params, p);
        gpu.run([d]);
      }
    },
    reference: (x, got) => reference(x.logits, got),
    label,
  });
}

/** The reference log-probability of each token the GPU drew (every pos of `draws`, each row). */
function logpOfDrawn(
  logits: Float64Array,
  tokens: Float64Array,
  B: number,
  V: number,
  TT: number,
  draws: readonly SamplingParams[],
): Float64Array {
  const want = new Float64Array(B * TT);
  for (let b = 0; b < B; b++) {
    const row = logits.subarray(b * V, (b + 1) * V);
    for (const { temperature, topK, pos } of draws) {
      want[b * TT + pos] = samplingLogProbsRef(row, temperature, topK)[tokens[b * TT + pos]];
    }
  }
  return want;
}

/** The same logits row repeated B times. */
function repeat(row: Float64Array, B: number): Float64Array {
  const out = new Float64Array(B * row.length);
  for (let b = 0; b < B; b++) out.set(row, b * row.length);
  return out;
}

describe('sample on the GPU draws from the reference distribution', () => {
  const shapes: { V: number; τ: number; topK: number; B?: number }[] = [];
  for (const V of [1, 7, 65, 300, 513, 5000]) {
    for (const [τ, topK] of [
      [1, 0],
      [0.7, 5],
      [2, 1],
    ] as const)
      shapes.push({ V, τ, topK });
  }
  shapes.push({ V: 257, τ: 1.3, topK: 300, B: 1 }); // one past a workgroup of 256; topK ≥ V keeps every token
  const title = "the token the reference's inverse CDF picks at the same u, and its logp";
  itShapes(title, shapes, ({ V, τ: temperature, topK, B = 3 }) => {
    const [TT, seed] = [4, 1234];
    const draws = [0, 1, 2, 3].map((step) => ({ temperature, topK, seed, step: 10 + step, pos: step }));
    return sampling(f32(randn(B * V, V + topK, 2)), B, V, TT, draws, (logits, got) => {
      const tokens = new Float64Array(B * TT);
      for (let b = 0; b < B; b++) {
        const p = samplingDistributionRef(logits.subarray(b * V, (b + 1) * V), temperature, topK);
        for (const { step, pos } of draws) {
          const u = sampleUniformRef(seed, b, step);
          const tok = got.tokens[b * TT + pos];
          // f32 sums may move a CDF boundary by ~1e-4 relative: then either neighbour is right, if it can be drawn
          const [lo, hi] = [sampleRef(p, Math.max(0, u - 1e-4)), sampleRef(p, Math.min(1, u + 1e-4))];
          tokens[b * TT + pos] = lo <= tok && tok <= hi && p[tok] > 0 ? tok : sampleRef(p, u);
        }
      }
      return {
        tokens: { want: tokens, tol: 'exact' },
        logp: { want: logpOfDrawn(logits, got.tokens, B, V, TT, draws), tol: LOGP_TOL },
      };
    });
  });

  const greedy = 'greedy (τ=0) is the argmax, lowest index on ties, with logp 0';
  itShapes(
    greedy,
    [1, 7, 65, 300, 513].map((V) => ({ V })),
    ({ V }) => {
      const B = 4;
      const logits = f32(randn(B * V, 3));
      // row 1: a tie between the last index and a lower one in another thread's stride; row 2: all equal
      logits[V + V - 1] = 50;
      logits[V + Math.floor(V / 3)] = 50;
      logits.fill(-1e4, 2 * V, 3 * V);
      return sampling(logits, B, V, 1, [{ temperature: 0, topK: 3, seed: 9, step: 0, pos: 0 }], (host) => {
        const tokens = Array.from({ length: B }, (_, b) => {
          return samplingDistributionRef(host.subarray(b * V, (b + 1) * V), 0, 0).indexOf(1);
        });
        expect(tokens[1]).toBe(V === 1 ? 0 : Math.floor(V / 3));
        expect(tokens[2]).toBe(0);
        return { tokens: { want: tokens, tol: 'exact' }, logp: { want: new Float64Array(B), tol: 'bitwise' } };
      });
    },
  );

  it('with top-k no token outside the k largest is ever drawn; ties at the threshold are admitted', async () => {
    const [V, k, B, TT] = [300, 5, 64, 20];
    const row = f32(randn(V, 5));
    const order = [...row.keys()].sort((a, b) => row[b] - row[a]);
    row[order[5]] = row[order[4]]; // the 6th largest ties the 5th: both admitted
    const allowed = new Set(order.slice(0, 6));
    const draws = Array.from({ length: TT }, (_, s) => ({ temperature: 3, topK: k, seed: 77, step: s, pos: s }));
    const { got } = await checkKernel(
      sampling(repeat(row, B), B, V, TT, draws, (logits, got) => ({
        logp: { want: logpOfDrawn(logits, got.tokens, B, V, TT, draws), tol: LOGP_TOL },
      })),
    );
    const seen = new Set(got.tokens);
    for (const tok of seen) expect(allowed.has(tok), `token ${tok} is outside the top ${k}`).toBe(true);
    expect(seen.size).toBe(6); // τ = 3 flattens the distribution: 1280 draws reach every admitted token
  });

  for (const [temperature, topK] of [
    [0.8, 0],
    [1.5, 5],
  ] as const) {
    it(`2000 draws (250 rows × 8 steps) match the reference frequencies, τ=${temperature} topK=${topK}`, async () => {
      const [V, B, TT] = [8, 250, 8];
      const row = f32(randn(V, 6));
      const draws = Array.from({ length: TT }, (_, s) => ({ temperature, topK, seed: 2024, step: 1000 + s, pos: s }));
      const { got } = await checkKernel(
        sampling(repeat(row, B), B, V, TT, draws, (logits, got) => ({
          logp: { want: logpOfDrawn(logits, got.tokens, B, V, TT, draws), tol: LOGP_TOL },
        })),
      );
      const N = B * TT;
      const counts = new Array(V).fill(0);
      for (const tok of got.tokens) counts[tok]++;
      const p = samplingDistributionRef(row, temperature, topK);
      let chi2 = 0;
      let cells = 0;
      for (let i = 0; i < V; i++) {
        if (p[i] === 0) {
          expect(counts[i]).toBe(0);
          continue;
        }
        chi2 += (counts[i] - N * p[i]) ** 2 / (N * p[i]);
        cells++;
        // each frequency within 4 standard deviations of its probability
        expect(Math.abs(counts[i] / N - p[i])).toBeLessThan(4 * Math.sqrt((p[i] * (1 - p[i])) / N));
      }
      // χ² with cells − 1 ≤ 7 degrees of freedom: 24.32 is its 99.9th percentile
      expect(cells).toBe(topK ? topK : V);
      expect(chi2).toBeLessThan(24.32);
    });
  }

  it('the same seed and step give the same tokens on every run; other seeds give other sequences', async () => {
    const [V, B, TT] = [65, 16, 8];
    const logits = f32(randn(B * V, 8));
    const run = async (seed: number) => {
      const draws = Array.from({ length: TT }, (_, s) => ({ temperature: 1, topK: 0, seed, step: s, pos: s }));
      const { got } = await checkKernel(
        sampling(
          logits,
          B,
          V,
          TT,
          draws,
          (logits, got) => ({
            logp: { want: logpOfDrawn(logits, got.tokens, B, V, TT, draws), tol: LOGP_TOL },
          }),
          `seed ${seed}`,
        ),
      );
      return got;
    };
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(Array.from(b.tokens)).toEqual(Array.from(a.tokens));
    expect(Array.from(b.logp)).toEqual(Array.from(a.logp));
    const differ = a.tokens.filter((t, i) => t !== c.tokens[i]).length;
    expect(differ).toBeGreaterThan((B * TT) / 2);
  });

  it('extreme logits (±1e4) give valid tokens and finite log-probs equal to the reference', async () => {
    const V = 7;
    const rows = [
      [1e4, -1e4, 1e4 - 1, 0, -1e4, 1e4 - 0.5, -3],
      [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4],
      [-1e4, -1e4, -1e4 + 2, -1e4, -1e4 + 1, -1e4, -1e4],
    ];
    const B = rows.length;
    for (const [temperature, topK] of [
      [1, 0],
      [0.05, 0],
      [50, 2],
      [1e-6, 3],
    ] as const) {
      const draws = [0, 1, 2].map((s) => ({ temperature, topK, seed: 5, step: s, pos: s }));
      const label = `τ=${temperature} topK=${topK}`;
      const { got } = await checkKernel(
        sampling(
          rows.flat(),
          B,
          V,
          3,
          draws,
          (logits, got) => ({
            logp: { want: logpOfDrawn(logits, got.tokens, B, V, 3, draws), tol: { atol: 1e-4, rtol: 1e-5 } },
          }),
          label,
        ),
      );
      expect(
        got.tokens.every((tok) => tok < V),
        `${label}: tokens ${got.tokens}`,
      ).toBe(true);
      expect(got.logp.every(Number.isFinite), `${label}: logp ${got.logp}`).toBe(true);
    }
  });

  it('a pos outside the row writes nothing', async () => {
    const draws = [{ temperature: 1, topK: 0, seed: 1, step: 0, pos: 3 }];
    await checkKernel(
      sampling(f32(randn(2 * 7, 1)), 2, 7, 3, draws, () => ({
        tokens: { want: [0, 0, 0, 0, 0, 0], tol: 'bitwise' },
        logp: { want: [0, 0, 0, 0, 0, 0], tol: 'bitwise' },
      })),
    );
  });

  it('a shape mismatch or more rows than workgroups names the kernel and every shape', async () => {
    const gpu = await testGpu();
    const params = samplerParams(gpu);
    const tokens = gpu.tensor('tokens', [2, 4], 'u32');
    const logp = gpu.tensor('logp', [2, 4]);
    const logits = gpu.tensor('logits', [2, 9]);
    expect(() => samplerForward(gpu, tokens, logp, logits, params, 2, 8, 4)).toThrow(
      /sample: logits is \[2,9\], expected \[B=2, V=8\].*tokens=tokens\[2,4\]/,
    );
    expect(() => samplerForward(gpu, gpu.tensor('f', [2, 4]), logp, logits, params, 2, 9, 4)).toThrow(
      /sample: tokens is f32, expected u32/,
    );
    expect(() => setSampling(gpu, params, { temperature: -1, topK: 0, seed: 0, step: 0, pos: 0 })).toThrow(
      /sample: temperature/,
    );
    const B = 65536;
    const [manyTokens, manyLogp, manyLogits] = [
      gpu.tensor('tokens', [B, 1], 'u32'),
      gpu.tensor('logp', [B, 1]),
      gpu.tensor('logits', [B, 1]),
    ];
    expect(() => samplerForward(gpu, manyTokens, manyLogp, manyLogits, params, B, 1, 1)).toThrow(
      /sample: B=65536 rows exceed 65535 workgroups/,
    );
  });
});
