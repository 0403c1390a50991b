import { describe, expect, it } from 'vitest';
import { attentionDecode, attentionDecodeParams, attentionForward, kvCacheFill, setDecodePosition } from '../../src/kernels/attention.ts';
import { attentionForwardRef } from '../../src/kernels/attention.ref.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randn } from '../helpers/random.ts';

const TOL = { atol: 2e-5, rtol: 1e-4 };

/**
 * Runs attention_forward over the whole sequence, then (optionally) kv_cache_fill over the first
 * `prompt` tokens and one decode step per position prompt..T-1; returns forward's out and the decoded
 * rows (at their positions in a [B,T,C] array; rows before `prompt` are left 0) and the caches.
 */
async function forwardAndDecode(gpu: Gpu, qkv: Float64Array, start: number[] | null, B: number, T: number, C: number, NH: number, Tmax: number, prompt = 0) {
  const hs = C / NH;
  const tQkv = gpu.tensor('qkv', [B, T, 3 * C], 'f32', qkv);
  const tStart = start ? gpu.tensor('start', [B], 'u32', start) : null;
  const tOut = gpu.tensor('out', [B, T, C]);
  gpu.run([attentionForward(gpu, tOut, gpu.tensor('lse', [B, NH, T]), tQkv, tStart, B, T, C, NH)]);
  const forward = await gpu.read(tOut);

  const kcache = gpu.tensor('kcache', [B, NH, Tmax, hs]);
  const vcache = gpu.tensor('vcache', [B, NH, Tmax, hs]);
  if (prompt > 0) gpu.run([kvCacheFill(gpu, kcache, vcache, gpu.tensor('prompt', [B, prompt, 3 * C], 'f32', rows(qkv, B, T, 3 * C, 0, prompt)), B, prompt, C, NH, Tmax)]);
  const qkvNew = gpu.tensor('qkv_new', [B, 3 * C]);
  const outNew = gpu.tensor('out_new', [B, C]);
  const params = attentionDecodeParams(gpu);
  const step = attentionDecode(gpu, outNew, kcache, vcache, qkvNew, tStart, params, B, C, NH, Tmax); // built once, replayed
  const decoded = new Float64Array(B * T * C);
  for (let pos = prompt; pos < T; pos++) {
    gpu.write(qkvNew, rows(qkv, B, T, 3 * C, pos, pos + 1));
    setDecodePosition(gpu, params, pos, Tmax);
    gpu.run(step);
    const o = await gpu.read(outNew);
    for (let b = 0; b < B; b++) decoded.set(o.subarray(b * C, (b + 1) * C), (b * T + pos) * C);
  }
  return { forward, decoded, k: await gpu.read(kcache), v: await gpu.read(vcache) };
}

/** x[B, T, W] rows t0..t1-1 of every sequence, as [B, t1-t0, W]. */
function rows(x: ArrayLike<number>, B: number, T: number, W: number, t0: number, t1: number): Float64Array {
  const r = new Float64Array(B * (t1 - t0) * W);
  for (let b = 0; b < B; b++) for (let t = t0; t < t1; t++) for (let i = 0; i < W; i++) r[(b * (t1 - t0) + t - t0) * W + i] = x[(b * T + t) * W + i];
  return r;
}

/** The k (which=1) or v (which=2) of qkv[B,T,3C] in cache layout [B, NH, Tmax, hs] (zeros past T). */
function cacheOf(qkv: Float64Array, which: 1 | 2, B: number, T: number, C: number, NH: number, Tmax: number): Float64Array {
  const hs = C / NH;
  const r = new Float64Array(B * NH * Tmax * hs);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++) r[((b * NH + Math.floor(c / hs)) * Tmax + t) * hs + (c % hs)] = qkv[(b * T + t) * 3 * C + which * C + c];
  return r;
}

describe('attention_decode reproduces attention_forward one token at a time', () => {
  const cases: [number, number, number, number, number, number[] | null, number][] = [
    // B, T, C, NH, Tmax, start, prompt filled by kv_cache_fill
    [1, 1, 4, 1, 1, null, 0],
    [2, 7, 12, 3, 9, null, 0],
    [2, 7, 12, 3, 9, [0, 3], 0],
    [3, 9, 16, 2, 12, [2, 5, 9], 4],
    [1, 10, 128, 2, 10, null, 3], // hs = 64
    [2, 150, 8, 2, 160, [0, 20], 140], // more keys than one 128-key chunk
  ];
  for (const [B, T, C, NH, Tmax, start, prompt] of cases) {
    it(`B=${B} T=${T} C=${C} NH=${NH} Tmax=${Tmax} start=${start} prompt=${prompt}`, async () => {
      const gpu = await testGpu();
      const qkv = f32(randn(B * T * 3 * C, 1));
      const { forward, decoded, k, v } = await forwardAndDecode(gpu, qkv, start, B, T, C, NH, Tmax, prompt);
      const ref = attentionForwardRef(qkv, start ? Uint32Array.from(start) : null, B, T, C, NH).out;
      expectClose(rows(decoded, B, T, C, prompt, T), rows(forward, B, T, C, prompt, T), 'decode vs attention_forward', TOL);
      expectClose(rows(decoded, B, T, C, prompt, T), rows(ref, B, T, C, prompt, T), 'decode vs reference', TOL);
      expectClose(k, cacheOf(qkv, 1, B, T, C, NH, Tmax), 'kcache', { atol: 0, rtol: 0 });
      expectClose(v, cacheOf(qkv, 2, B, T, C, NH, Tmax), 'vcache', { atol: 0, rtol: 0 });
    });
  }

  it('large scores (±1e3) stay finite', async () => {
    const [B, T, C, NH, Tmax] = [2, 20, 8, 2, 20];
    const raw = randn(B * T * 3 * C, 5);
    for (let i = 0; i < raw.length; i++) if (i % (3 * C) < 2 * C) raw[i] *= 30;
    const qkv = f32(raw);
    const gpu = await testGpu();
    const { forward, decoded } = await forwardAndDecode(gpu, qkv, null, B, T, C, NH, Tmax);
    expect(decoded.every(Number.isFinite)).toBe(true);
    expectClose(decoded, forward, 'decode vs attention_forward', { atol: 1e-4, rtol: 1e-4 });
    expectClose(decoded, attentionForwardRef(qkv, null, B, T, C, NH).out, 'decode vs reference', { atol: 1e-4, rtol: 1e-4 });
  });

  it('a shape mismatch, a prompt longer than the cache or a bad position names the kernel', async () => {
    const gpu = await testGpu();
    const [B, C, NH, Tmax] = [2, 8, 2, 5];
    const kcache = gpu.tensor('kcache', [B, NH, Tmax, 4]);
    const vcache = gpu.tensor('vcache', [B, NH, Tmax, 4]);
    const params = attentionDecodeParams(gpu);
    const out = gpu.tensor('out', [B, C]);
    expect(() => attentionDecode(gpu, out, kcache, vcache, gpu.tensor('qkv_new', [B, 2 * C]), null, params, B, C, NH, Tmax)).toThrow(
      /attention_decode: qkvNew is \[2,16\], expected \[B=2, C3=24\]/,
    );
    expect(() => attentionDecode(gpu, out, kcache, gpu.tensor('v', [B, NH, 4, 4]), gpu.tensor('qkv_new', [B, 3 * C]), null, params, B, C, NH, Tmax)).toThrow(
      /attention_decode: vcache is \[2,2,4,4\], expected \[B=2, NH=2, Tmax=5, hs=4\]/,
    );
    expect(() => attentionDecode(gpu, out, kcache, vcache, gpu.tensor('qkv_new', [B, 3 * C]), null, gpu.tensor('p', [1]), B, C, NH, Tmax)).toThrow(/attention_decode: params must be the uniform/);
    expect(() => kvCacheFill(gpu, kcache, vcache, gpu.tensor('qkv', [B, 6, 3 * C]), B, 6, C, NH, Tmax)).toThrow(/kv_cache_fill: T=6 does not fit the cache's Tmax=5/);
    expect(() => kvCacheFill(gpu, kcache, vcache, gpu.tensor('qkv', [B, 3, 3 * C]), B, 3, C, 4, Tmax)).toThrow(/kv_cache_fill: kcache is \[2,2,5,4\]/);
    expect(() => setDecodePosition(gpu, params, 5, Tmax)).toThrow(/attention_decode: pos must be in \[0, 4\], got 5/);
  });
});
