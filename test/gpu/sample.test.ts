import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { samplerForward, samplerParams, setSampling, type SamplingParams } from '../../src/kernels/sample.ts';
import { sampleRef, sampleUniformRef, samplingDistributionRef, samplingLogProbsRef } from '../../src/kernels/sample.ref.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

interface Draws {
  tokens: Uint32Array;
  logp: Float32Array;
}

/** Runs the sampler once per entry of `draws` (each writing its own pos) and reads tokens and logp [B, TT]. */
async function sample(gpu: Gpu, logits: Float64Array, B: number, V: number, TT: number, draws: SamplingParams[]): Promise<Draws> {
  const tokens = gpu.tensor('tokens', [B, TT], 'u32');
  const logp = gpu.tensor('logp', [B, TT]);
  const params = samplerParams(gpu);
  const d = samplerForward(gpu, tokens, logp, gpu.tensor('logits', [B, V], 'f32', logits), params, B, V, TT);
  for (const p of draws) {
    setSampling(gpu, params, p);
    gpu.run([d]);
  }
  return { tokens: (await gpu.read(tokens)) as Uint32Array, logp: (await gpu.read(logp)) as Float32Array };
}

/** The same logits row repeated B times. */
function repeat(row: Float64Array, B: number): Float64Array {
  const out = new Float64Array(B * row.length);
  for (let b = 0; b < B; b++) out.set(row, b * row.length);
  return out;
}

describe('sample on the GPU draws from the reference distribution', () => {
  for (const V of [1, 7, 65, 300, 513, 5000]) {
    for (const [temperature, topK] of [[1, 0], [0.7, 5], [2, 1]] as const) {
      it(`V=${V} τ=${temperature} topK=${topK}: the token the reference's inverse CDF picks at the same u, and its logp`, async () => {
        const gpu = await testGpu();
        const [B, TT, seed] = [3, 4, 1234];
        const logits = f32(randn(B * V, V + topK, 2));
        const draws = [0, 1, 2, 3].map((step) => ({ temperature, topK, seed, step: 10 + step, pos: step }));
        const out = await sample(gpu, logits, B, V, TT, draws);
        for (let b = 0; b < B; b++) {
          const row = logits.subarray(b * V, (b + 1) * V);
          const p = samplingDistributionRef(row, temperature, topK);
          const lp = samplingLogProbsRef(row, temperature, topK);
          for (const { step, pos } of draws) {
            const u = sampleUniformRef(seed, b, step);
            const tok = out.tokens[b * TT + pos];
            // f32 sums may move a CDF boundary by ~1e-4 relative: then either neighbour is right
            const [lo, hi] = [sampleRef(p, Math.max(0, u - 1e-4)), sampleRef(p, Math.min(1, u + 1e-4))];
            expect(tok, `row ${b} step ${step}: u=${u}, reference picks ${sampleRef(p, u)}`).toBeGreaterThanOrEqual(lo);
            expect(tok).toBeLessThanOrEqual(hi);
            expect(p[tok]).toBeGreaterThan(0);
            expect(Math.abs(out.logp[b * TT + pos] - lp[tok]), `logp of token ${tok}`).toBeLessThan(1e-4 * (1 + Math.abs(lp[tok])));
          }
        }
      });
    }
  }

  for (const V of [1, 7, 65, 300, 513]) {
    it(`greedy (τ=0) is the argmax, lowest index on ties, with logp 0, V=${V}`, async () => {
      const gpu = await testGpu();
      const B = 4;
      const logits = f32(randn(B * V, 3));
      // row 1: a tie between the last index and a lower one in another thread's stride; row 2: all equal
      logits[V + V - 1] = 50;
      logits[V + Math.floor(V / 3)] = 50;
      logits.fill(-1e4, 2 * V, 3 * V);
      const out = await sample(gpu, logits, B, V, 1, [{ temperature: 0, topK: 3, seed: 9, step: 0, pos: 0 }]);
      for (let b = 0; b < B; b++) {
        const row = logits.subarray(b * V, (b + 1) * V);
        expect(out.tokens[b]).toBe(samplingDistributionRef(row, 0, 0).indexOf(1));
        expect(out.logp[b]).toBe(0);
      }
      expect(out.tokens[1]).toBe(V === 1 ? 0 : Math.floor(V / 3));
      expect(out.tokens[2]).toBe(0);
    });
  }

  it('with top-k no token outside the k largest is ever drawn; ties at the threshold are admitted', async () => {
    const gpu = await testGpu();
    const [V, k, B, TT] = [300, 5, 64, 20];
    const row = f32(randn(V, 5));
    const order = [...row.keys()].sort((a, b) => row[b] - row[a]);
    row[order[5]] = row[order[4]]; // the 6th largest ties the 5th: both admitted
    const allowed = new Set(order.slice(0, 6));
    const draws = Array.from({ length: TT }, (_, s) => ({ temperature: 3, topK: k, seed: 77, step: s, pos: s }));
    const out = await sample(gpu, repeat(row, B), B, V, TT, draws);
    const seen = new Set(out.tokens);
    for (const tok of seen) expect(allowed.has(tok), `token ${tok} is outside the top ${k}`).toBe(true);
    expect(seen.size).toBe(6); // τ = 3 flattens the distribution: 1280 draws reach every admitted token
  });

  for (const [temperature, topK] of [[0.8, 0], [1.5, 5]] as const) {
    it(`2000 draws (250 rows × 8 steps) match the reference frequencies, τ=${temperature} topK=${topK}`, async () => {
      const gpu = await testGpu();
      const [V, B, TT] = [8, 250, 8];
      const row = f32(randn(V, 6));
      const draws = Array.from({ length: TT }, (_, s) => ({ temperature, topK, seed: 2024, step: 1000 + s, pos: s }));
      const out = await sample(gpu, repeat(row, B), B, V, TT, draws);
      const N = B * TT;
      const counts = new Array(V).fill(0);
      for (const tok of out.tokens) counts[tok]++;
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
    const gpu = await testGpu();
    const [V, B, TT] = [65, 16, 8];
    const logits = f32(randn(B * V, 8));
    const draws = (seed: number) => Array.from({ length: TT }, (_, s) => ({ temperature: 1, topK: 0, seed, step: s, pos: s }));
    const a = await sample(gpu, logits, B, V, TT, draws(1));
    const b = await sample(gpu, logits, B, V, TT, draws(1));
    const c = await sample(gpu, logits, B, V, TT, draws(2));
    expect(Array.from(b.tokens)).toEqual(Array.from(a.tokens));
    expect(Array.from(b.logp)).toEqual(Array.from(a.logp));
    const differ = a.tokens.filter((t, i) => t !== c.tokens[i]).length;
    expect(differ).toBeGreaterThan((B * TT) / 2);
  });

  it('extreme logits (±1e4) give valid tokens and finite log-probs equal to the reference', async () => {
    const gpu = await testGpu();
    const V = 7;
    const rows = [
      [1e4, -1e4, 1e4 - 1, 0, -1e4, 1e4 - 0.5, -3],
      [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4],
      [-1e4, -1e4, -1e4 + 2, -1e4, -1e4 + 1, -1e4, -1e4],
    ];
    const B = rows.length;
    const logits = f32(rows.flat());
    for (const [temperature, topK] of [[1, 0], [0.05, 0], [50, 2], [1e-6, 3]] as const) {
      const draws = [0, 1, 2].map((s) => ({ temperature, topK, seed: 5, step: s, pos: s }));
      const out = await sample(gpu, logits, B, V, 3, draws);
      for (let b = 0; b < B; b++) {
        const lp = samplingLogProbsRef(rows[b], temperature, topK);
        const got = Array.from({ length: 3 }, (_, s) => out.logp[b * 3 + s]);
        const want = Array.from({ length: 3 }, (_, s) => lp[out.tokens[b * 3 + s]]);
        expect(got.every(Number.isFinite), `τ=${temperature} row ${b}: logp ${got}`).toBe(true);
        expectClose(got, want, `τ=${temperature} topK=${topK} row ${b} logp`, { atol: 1e-4, rtol: 1e-5 });
      }
    }
  });

  it('a pos outside the row writes nothing', async () => {
    const gpu = await testGpu();
    const out = await sample(gpu, f32(randn(2 * 7, 1)), 2, 7, 3, [{ temperature: 1, topK: 0, seed: 1, step: 0, pos: 3 }]);
    expect(Array.from(out.tokens)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('a shape mismatch names the kernel and every shape', async () => {
    const gpu = await testGpu();
    const params = samplerParams(gpu);
    const tokens = gpu.tensor('tokens', [2, 4], 'u32');
    const logp = gpu.tensor('logp', [2, 4]);
    const logits = gpu.tensor('logits', [2, 9]);
    expect(() => samplerForward(gpu, tokens, logp, logits, params, 2, 8, 4)).toThrow(/sample: logits is \[2,9\], expected \[B=2, V=8\].*tokens=tokens\[2,4\]/);
    expect(() => samplerForward(gpu, gpu.tensor('f', [2, 4]), logp, logits, params, 2, 9, 4)).toThrow(/sample: tokens is f32, expected u32/);
    expect(() => setSampling(gpu, params, { temperature: -1, topK: 0, seed: 0, step: 0, pos: 0 })).toThrow(/sample: temperature/);
  });
});
