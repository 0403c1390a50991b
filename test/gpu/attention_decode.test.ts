// attention_decode (append to the caches, then attend one query) and kv_cache_fill on the GPU: a decode loop over
// positions prompt..T−1 reproduces attention_forward and the float64 reference row by row, and leaves the caches
// holding exactly every k and v. Awkward B, T and head sizes, left padding, more keys than one 128-key chunk, scores
// of ±1e3, and a B·C whose append and fill need a second grid dimension.

import { describe, expect, it } from 'vitest';
import {
  attentionDecode,
  attentionDecodeParams,
  attentionForward,
  kvCacheFill,
  setDecodePosition,
} from '../../src/kernels/attention.ts';
import { attentionForwardRef } from '../../src/kernels/attention.ref.ts';
import type { Tolerance } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  checkKernel,
  input,
  itShapes,
  kernelCase,
  output,
  overwrite,
  secondGridN,
  u32,
  type Expected,
} from '../helpers/kernel-case.ts';
import { f32, randn } from '../helpers/random.ts';

const TOL = { atol: 2e-5, rtol: 1e-4 };

/** A decode run: kv_cache_fill over the first `prompt` tokens, then one decode step per position prompt..T−1. */
type Shape = { B: number; T: number; C: number; NH: number; Tmax: number; start?: number[]; prompt: number };

/** x[B, T, W] rows t0..t1-1 of every sequence, as [B, t1-t0, W]. */
function rows(x: ArrayLike<number>, B: number, T: number, W: number, t0: number, t1: number): Float64Array {
  const r = new Float64Array(B * (t1 - t0) * W);
  for (let b = 0; b < B; b++) {
    for (let t = t0; t < t1; t++) {
      for (let i = 0; i < W; i++) r[(b * (t1 - t0) + t - t0) * W + i] = x[(b * T + t) * W + i];
    }
  }
  return r;
}

/** The k (which=1) or v (which=2) of qkv[B,T,3C] in cache layout [B, NH, Tmax, hs] (zeros past T). */
function cacheOf(qkv: ArrayLike<number>, which: 1 | 2, { B, T, C, NH, Tmax }: Shape): Float64Array {
  const hs = C / NH;
  const r = new Float64Array(B * NH * Tmax * hs);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        r[((b * NH + Math.floor(c / hs)) * Tmax + t) * hs + (c % hs)] = qkv[(b * T + t) * 3 * C + which * C + c];
      }
    }
  }
  return r;
}

/** Rows t0..t1-1 of qkv[B,T,3C], as the f32 data of a [B, t1-t0, 3C] tensor. */
function f32Rows(qkv: ArrayLike<number>, { B, T, C }: Shape, t0: number, t1: number): Float32Array {
  return Float32Array.from(rows(qkv, B, T, 3 * C, t0, t1));
}

/**
 * attention_forward over the whole sequence (into NaN garbage; skipped with `forward: false`), then the decode
 * loop with one attentionDecode built once and replayed, the position a uniform written between runs. The
 * decoded rows prompt..T−1 ([B, T−prompt, C], read after each step) must match attention_forward's and the
 * reference's; the caches (zeroed at the start) must hold exactly every k and v, zeros past T.
 */
function decode(shape: Shape, raw: ArrayLike<number>, { tol = TOL as Tolerance, forward = true } = {}) {
  const { B, T, C, NH, Tmax, start: st, prompt } = shape;
  const hs = C / NH;
  const qkv = f32(raw);
  return kernelCase({
    tensors: {
      qkv: input([B, T, 3 * C], qkv),
      start: u32([B], st ?? new Array(B).fill(0)),
      out: overwrite([B, T, C]),
      kcache: output([B, NH, Tmax, hs]),
      vcache: output([B, NH, Tmax, hs]),
    },
    launch: async (gpu, t) => {
      const start = st ? t.start : null;
      if (forward) gpu.run([attentionForward(gpu, t.out, gpu.tensor('lse', [B, NH, T]), t.qkv, start, B, T, C, NH)]);
      if (prompt > 0) {
        const head = gpu.tensor('prompt', [B, prompt, 3 * C], 'f32', f32Rows(qkv, shape, 0, prompt));
        gpu.run([kvCacheFill(gpu, t.kcache, t.vcache, head, B, prompt, C, NH, Tmax)]);
      }
      const qkvNew = gpu.tensor('qkv_new', [B, 3 * C]);
      const outNew = gpu.tensor('out_new', [B, C]);
      const params = attentionDecodeParams(gpu);
      const step = attentionDecode(gpu, outNew, t.kcache, t.vcache, qkvNew, start, params, B, C, NH, Tmax);
      const decoded = new Float64Array(B * (T - prompt) * C);
      for (let pos = prompt; pos < T; pos++) {
        gpu.write(qkvNew, f32Rows(qkv, shape, pos, pos + 1));
        setDecodePosition(gpu, params, pos, Tmax);
        gpu.run(step);
        const o = await gpu.read(outNew);
        for (let b = 0; b < B; b++) decoded.set(o.subarray(b * C, (b + 1) * C), (b * (T - prompt) + pos - prompt) * C);
      }
      return { decoded };
    },
    reference: (x, got) => {
      const ref = attentionForwardRef(x.qkv, st ? x.start : null, B, T, C, NH).out;
      const want: Record<string, Expected> = {
        'decode vs reference': { want: rows(ref, B, T, C, prompt, T), of: 'decoded' },
        kcache: { want: cacheOf(x.qkv, 1, shape), tol: 'exact' },
        vcache: { want: cacheOf(x.qkv, 2, shape), tol: 'exact' },
      };
      if (forward) {
        want['decode vs attention_forward'] = { want: rows(got.out, B, T, C, prompt, T), of: 'decoded' };
        want.out = ref;
      }
      return want;
    },
    tol,
  });
}

describe('attention_decode reproduces attention_forward one token at a time', () => {
  const shapes: Shape[] = [
    { B: 1, T: 1, C: 4, NH: 1, Tmax: 1, prompt: 0 },
    { B: 2, T: 7, C: 12, NH: 3, Tmax: 9, prompt: 0 },
    { B: 2, T: 7, C: 12, NH: 3, Tmax: 9, start: [0, 3], prompt: 0 },
    { B: 3, T: 9, C: 16, NH: 2, Tmax: 12, start: [2, 5, 9], prompt: 4 },
    { B: 3, T: 5, C: 9, NH: 3, Tmax: 5, start: [0, 1, 4], prompt: 2 }, // hs = 3; the cache exactly full
    { B: 1, T: 10, C: 128, NH: 2, Tmax: 10, prompt: 3 }, // hs = 64
    { B: 2, T: 150, C: 8, NH: 2, Tmax: 160, start: [0, 20], prompt: 140 }, // more keys than one 128-key chunk
  ];
  itShapes('decode steps', shapes, (shape) => decode(shape, randn(shape.B * shape.T * 3 * shape.C, 1)));

  it('large scores (±1e3) stay finite', async () => {
    const shape = { B: 2, T: 20, C: 8, NH: 2, Tmax: 20, prompt: 0 };
    const raw = randn(shape.B * shape.T * 3 * shape.C, 5);
    for (let i = 0; i < raw.length; i++) if (i % (3 * shape.C) < 2 * shape.C) raw[i] *= 30;
    const { got } = await checkKernel(decode(shape, raw, { tol: { atol: 1e-4, rtol: 1e-4 } }));
    expect(got.decoded.every(Number.isFinite)).toBe(true);
  });

  it('append and kv_cache_fill cover every channel when B·C needs a second grid dimension (> 65535·64)', async () => {
    const C = 128;
    const shape = { B: Math.ceil(secondGridN(64) / C), T: 2, C, NH: 1, Tmax: 2, prompt: 1 };
    const n = shape.B * shape.T * 3 * C;
    const raw = Float64Array.from({ length: n }, (_, i) => ((i % 1013) - 506) / 256);
    await checkKernel(decode(shape, raw, { forward: false }));
  }, 180_000);

  it('a shape mismatch, a prompt longer than the cache or a bad position names the kernel', async () => {
    const gpu = await testGpu();
    const [B, C, NH, Tmax] = [2, 8, 2, 5];
    const kcache = gpu.tensor('kcache', [B, NH, Tmax, 4]);
    const vcache = gpu.tensor('vcache', [B, NH, Tmax, 4]);
    const params = attentionDecodeParams(gpu);
    const out = gpu.tensor('out', [B, C]);
    const qkvNew = gpu.tensor('qkv_new', [B, 3 * C]);
    const [qkv16, v4] = [gpu.tensor('qkv_new', [B, 2 * C]), gpu.tensor('v', [B, NH, 4, 4])];
    expect(() => attentionDecode(gpu, out, kcache, vcache, qkv16, null, params, B, C, NH, Tmax)).toThrow(
      /attention_decode: qkvNew is \[2,16\], expected \[B=2, C3=24\]/,
    );
    expect(() => attentionDecode(gpu, out, kcache, v4, qkvNew, null, params, B, C, NH, Tmax)).toThrow(
      /attention_decode: vcache is \[2,2,4,4\], expected \[B=2, NH=2, Tmax=5, hs=4\]/,
    );
    expect(() => attentionDecode(gpu, out, kcache, vcache, qkvNew, null, gpu.tensor('p', [1]), B, C, NH, Tmax)).toThrow(
      /attention_decode: params must be the uniform/,
    );
    expect(() => kvCacheFill(gpu, kcache, vcache, gpu.tensor('qkv', [B, 6, 3 * C]), B, 6, C, NH, Tmax)).toThrow(
      /kv_cache_fill: T=6 does not fit the cache's Tmax=5/,
    );
    expect(() => kvCacheFill(gpu, kcache, vcache, gpu.tensor('qkv', [B, 3, 3 * C]), B, 3, C, 4, Tmax)).toThrow(
      /kv_cache_fill: kcache is \[2,2,5,4\]/,
    );
    expect(() => setDecodePosition(gpu, params, 5, Tmax)).toThrow(/attention_decode: pos must be in \[0, 4\], got 5/);
  });
});
