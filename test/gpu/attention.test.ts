import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward } from '../../src/kernels/attention.ts';
import { attentionBackwardRef, attentionForwardRef } from '../../src/kernels/attention.ref.ts';
import { expectClose, type Tolerance } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

interface Case {
  B: number;
  T: number;
  C: number;
  NH: number;
  start?: number[];
  /** multiplies q and k, to push the scores to ±1e3 */
  qkScale?: number;
  tol?: Tolerance;
  gradTol?: Tolerance;
}

/** Runs forward and backward on the GPU and compares out, lse and dqkv with the float64 reference. */
async function check({ B, T, C, NH, start: st, qkScale = 1, tol = { atol: 2e-5, rtol: 1e-4 }, gradTol = { atol: 1e-4, rtol: 1e-4 } }: Case) {
  const gpu = await testGpu();
  const raw = randn(B * T * 3 * C, 1);
  for (let i = 0; i < raw.length; i++) if (i % (3 * C) < 2 * C) raw[i] *= qkScale;
  const qkv = f32(raw);
  const dout = f32(randn(B * T * C, 2));
  const prior = f32(randn(B * T * 3 * C, 3)); // backward accumulates into what is there
  const start = st ? Uint32Array.from(st) : null;

  const tQkv = gpu.tensor('qkv', [B, T, 3 * C], 'f32', qkv);
  const tOut = gpu.tensor('out', [B, T, C]);
  const tLse = gpu.tensor('lse', [B, NH, T]);
  const tStart = start ? gpu.tensor('start', [B], 'u32', start) : null;
  const tDout = gpu.tensor('dout', [B, T, C], 'f32', dout);
  const tDqkv = gpu.tensor('dqkv', [B, T, 3 * C], 'f32', prior);
  gpu.run([
    attentionForward(gpu, tOut, tLse, tQkv, tStart, B, T, C, NH),
    ...attentionBackward(gpu, tDqkv, tDout, tQkv, tOut, tLse, tStart, B, T, C, NH),
  ]);

  const ref = attentionForwardRef(qkv, start, B, T, C, NH);
  const out = await gpu.read(tOut);
  const lse = await gpu.read(tLse);
  expectClose(out, ref.out, 'out', tol);
  expectClose(lse, ref.lse, 'lse', { atol: tol.atol, rtol: 1e-5 });
  // the reference backward from the GPU's own out and lse (in f32), as the kernels see them
  const dqkv = attentionBackwardRef(dout, qkv, Float64Array.from(out), Float64Array.from(lse), start, B, T, C, NH);
  expectClose(await gpu.read(tDqkv), dqkv.map((v, i) => v + prior[i]), 'dqkv', gradTol);
  // and from the exact forward, to a looser tolerance
  const exact = attentionBackwardRef(dout, qkv, ref.out, ref.lse, start, B, T, C, NH);
  expectClose(await gpu.read(tDqkv), exact.map((v, i) => v + prior[i]), 'dqkv (exact forward)', { atol: 10 * (gradTol.atol ?? 1e-4), rtol: 10 * (gradTol.rtol ?? 1e-4) });
  return { out, ref };
}

describe('attention on the GPU matches the float64 reference', () => {
  const cases: Case[] = [
    { B: 1, T: 1, C: 4, NH: 1 },
    { B: 2, T: 7, C: 12, NH: 3 },
    { B: 1, T: 65, C: 16, NH: 2 },
    { B: 1, T: 70, C: 128, NH: 2 }, // hs = 64, two row blocks
    { B: 1, T: 33, C: 128, NH: 1 }, // hs = 128, the largest
    { B: 1, T: 300, C: 8, NH: 2 }, // T much larger than a workgroup
    { B: 2, T: 7, C: 12, NH: 3, start: [0, 3] },
    { B: 3, T: 65, C: 16, NH: 2, start: [5, 64, 65] }, // a single visible row; a fully padded sequence
  ];
  for (const c of cases) {
    it(`forward and backward at B=${c.B} T=${c.T} C=${c.C} NH=${c.NH}${c.start ? ` start=${c.start}` : ''}`, async () => {
      await check(c);
    });
  }

  it('large scores (±1e3) stay finite and exact to f32 precision', async () => {
    // hs = 4, q and k ~ N(0, 30²): scores q·k/2 of order ±1e3, softmax nearly one-hot
    const { out } = await check({ B: 2, T: 40, C: 8, NH: 2, qkScale: 30, tol: { atol: 1e-4, rtol: 1e-4 }, gradTol: { atol: 1e-3, rtol: 1e-4 } });
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('rows before start are zero', async () => {
    const { out } = await check({ B: 1, T: 9, C: 4, NH: 2, start: [4] });
    expect(Array.from(out.slice(0, 4 * 4))).toEqual(new Array(16).fill(0));
    expect(out.slice(16).some((v) => v !== 0)).toBe(true);
  });

  it('a shape mismatch or a head size over 128 names the kernel', async () => {
    const gpu = await testGpu();
    const qkv = gpu.tensor('qkv', [2, 5, 12]);
    const out = gpu.tensor('out', [2, 5, 4]);
    const lse = gpu.tensor('lse', [2, 2, 5]);
    expect(() => attentionForward(gpu, out, lse, qkv, null, 2, 5, 4, 1)).toThrow(/attention_forward: lse is \[2,2,5\], expected \[B=2, NH=1, T=5\]/);
    expect(() => attentionForward(gpu, out, lse, gpu.tensor('qkv', [2, 5, 11]), null, 2, 5, 4, 2)).toThrow(/attention_forward: qkv is \[2,5,11\]/);
    expect(() => attentionForward(gpu, out, lse, qkv, gpu.tensor('start', [3], 'u32'), 2, 5, 4, 2)).toThrow(/attention_forward: start is \[3\]/);
    expect(() => attentionForward(gpu, out, lse, qkv, gpu.tensor('start', [2]), 2, 5, 4, 2)).toThrow(/attention_forward: start is f32, expected u32/);
    expect(() => attentionForward(gpu, out, gpu.tensor('lse', [2, 3, 5]), qkv, null, 2, 5, 4, 3)).toThrow(/attention_forward: C=4 is not a multiple of NH=3/);
    expect(() => attentionBackward(gpu, gpu.tensor('dqkv', [2, 5, 4]), out, qkv, out, lse, null, 2, 5, 4, 2)).toThrow(/attention_backward: dqkv is \[2,5,4\]/);
    const big = gpu.tensor('qkv', [1, 2, 3 * 258]);
    expect(() => attentionForward(gpu, gpu.tensor('out', [1, 2, 258]), gpu.tensor('lse', [1, 1, 2]), big, null, 1, 2, 258, 1)).toThrow(
      /attention_forward: head size C\/NH = 258 exceeds the supported maximum 128/,
    );
  });
});
