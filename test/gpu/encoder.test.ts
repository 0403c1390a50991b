import { describe, expect, it } from 'vitest';
import { createEncoderBackward, encoderBackward, encoderForward } from '../../src/kernels/encoder.ts';
import { encoderBackwardRef, encoderForwardRef } from '../../src/kernels/encoder.ref.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { f32, randint, randn } from '../helpers/random.ts';

const TOL = { atol: 1e-5, rtol: 1e-5 };

/** Runs forward and backward (into non-zero gradients: they accumulate) and compares with the reference. */
async function compare(gpu: Gpu, B: number, T: number, C: number, V: number, maxT: number, tokens: Uint32Array, positions: Uint32Array | null, seed: number) {
  const wte = f32(randn(V * C, seed));
  const wpe = f32(randn(maxT * C, seed + 1));
  const dout = f32(randn(B * T * C, seed + 2));
  const priorWte = f32(randn(V * C, seed + 3));
  const priorWpe = f32(randn(maxT * C, seed + 4));
  const t = {
    out: gpu.tensor('out', [B, T, C]), tokens: gpu.tensor('tokens', [B, T], 'u32', tokens),
    positions: positions ? gpu.tensor('positions', [B, T], 'u32', positions) : null,
    wte: gpu.tensor('wte', [V, C], 'f32', wte), wpe: gpu.tensor('wpe', [maxT, C], 'f32', wpe), dout: gpu.tensor('dout', [B, T, C], 'f32', dout),
    dwte: gpu.tensor('dwte', [V, C], 'f32', priorWte), dwpe: gpu.tensor('dwpe', [maxT, C], 'f32', priorWpe),
  };
  gpu.run([
    encoderForward(gpu, t.out, t.tokens, t.positions, t.wte, t.wpe, B, T, C, V, maxT),
    ...encoderBackward(gpu, t.dwte, t.dwpe, t.dout, t.tokens, t.positions, B, T, C, V, maxT),
  ]);
  const ref = encoderBackwardRef(dout, tokens, positions, B, T, C, V, maxT);
  expectClose(await gpu.read(t.out), encoderForwardRef(tokens, positions, wte, wpe, B, T, C, V, maxT), 'out', TOL);
  expectClose(await gpu.read(t.dwte), ref.dwte.map((v, i) => v + priorWte[i]), 'dwte', TOL);
  expectClose(await gpu.read(t.dwpe), ref.dwpe.map((v, i) => v + priorWpe[i]), 'dwpe', TOL);
}

// [B, T, C, V, maxT]
const SHAPES: [number, number, number, number, number][] = [
  [1, 1, 1, 1, 1],
  [2, 7, 5, 7, 9],
  [3, 65, 7, 65, 70],
  [2, 4, 300, 5, 4],       // C larger than a workgroup, tokens repeat
  [2, 300, 3, 300, 300],   // B·T = 600 rows: the chain kernel spans three workgroups
  [2, 5, 3, 50257, 8],
];

describe('encoder on the GPU matches the float64 reference', () => {
  for (const [B, T, C, V, maxT] of SHAPES) {
    it(`forward and backward at B=${B} T=${T} C=${C} V=${V} maxT=${maxT}`, async () => {
      await compare(await testGpu(), B, T, C, V, maxT, randint(B * T, B + T, V), null, C);
    });
    it(`forward and backward with positions at B=${B} T=${T} C=${C} V=${V} maxT=${maxT}`, async () => {
      await compare(await testGpu(), B, T, C, V, maxT, randint(B * T, B + T, V), randint(B * T, V, maxT), C + 10);
    });
  }

  it('tokens repeated across the batch (few distinct ids, one id everywhere)', async () => {
    const gpu = await testGpu();
    const [B, T, C, V, maxT] = [4, 65, 9, 50257, 80];
    await compare(gpu, B, T, C, V, maxT, randint(B * T, 1, 3).map((x) => x * 20000), null, 1);
    await compare(gpu, B, T, C, V, maxT, new Uint32Array(B * T).fill(50256), null, 2);
  });

  it('left-padded batches and a single-token decode step', async () => {
    const gpu = await testGpu();
    const [B, T, C, V, maxT] = [3, 7, 6, 11, 16];
    const pad = [0, 2, 5];
    const positions = Uint32Array.from({ length: B * T }, (_, i) => Math.max(0, (i % T) - pad[Math.floor(i / T)]));
    await compare(gpu, B, T, C, V, maxT, randint(B * T, 3, V), positions, 3);
    await compare(gpu, 5, 1, C, V, maxT, randint(5, 4, V), Uint32Array.of(15, 3, 0, 15, 7), 4);
  });

  it('out-of-range token ids and positions are clamped to the last row', async () => {
    const gpu = await testGpu();
    await compare(gpu, 2, 3, 5, 7, 4, Uint32Array.of(7, 0, 1e9, 6, 0xffffffff, 2), Uint32Array.of(4, 0, 3, 1e6, 2, 0xffffffff), 5);
  });

  it('the scratch is reused, results are bit-identical between runs, and dwte/dwpe may share a buffer', async () => {
    const gpu = await testGpu();
    const [B, T, C, V, maxT] = [3, 20, 7, 13, 24];
    const tokens = randint(B * T, 6, V);
    const dout = f32(randn(B * T * C, 7));
    // one packed gradient buffer, as in the model: wte at 0, wpe at the next 64-float boundary
    const offset = Math.ceil((V * C) / 64) * 64;
    const grads = gpu.tensor('grads', [offset + maxT * C]);
    const dwte = gpu.view(grads, 'dwte', 0, [V, C]);
    const dwpe = gpu.view(grads, 'dwpe', offset, [maxT, C]);
    const tDout = gpu.tensor('dout', [B, T, C], 'f32', dout);
    const tTokens = gpu.tensor('tokens', [B, T], 'u32', tokens);
    const buffers = gpu.counters.buffers;
    const backward = createEncoderBackward(gpu, B, T, C, V, maxT);
    const dispatches = backward(dwte, dwpe, tDout, tTokens, null);
    expect(gpu.counters.buffers).toBe(buffers + 1);
    gpu.run(dispatches);
    const first = await gpu.read(grads);
    gpu.zero(grads);
    gpu.run(dispatches);
    const second = await gpu.read(grads);
    expect(second).toEqual(first);
    const ref = encoderBackwardRef(dout, tokens, null, B, T, C, V, maxT);
    expectClose(first.subarray(0, V * C), ref.dwte, 'dwte', TOL);
    expectClose(first.subarray(offset), ref.dwpe, 'dwpe', TOL);
  });

  it('a shape mismatch names the kernel and every shape', async () => {
    const gpu = await testGpu();
    const [B, T, C, V, maxT] = [2, 3, 4, 5, 6];
    const out = gpu.tensor('out', [B, T, C]);
    const tokens = gpu.tensor('tokens', [B, T], 'u32');
    const wte = gpu.tensor('wte', [V, C]);
    const wpe = gpu.tensor('wpe', [maxT, C]);
    expect(() => encoderForward(gpu, out, tokens, null, gpu.tensor('wte', [V, C + 1]), wpe, B, T, C, V, maxT)).toThrow(
      /encoder_forward: wte is \[5,5\], expected \[V=5, C=4\].*tokens=tokens\[2,3\]/,
    );
    expect(() => encoderForward(gpu, out, gpu.tensor('tokens', [B, T]), null, wte, wpe, B, T, C, V, maxT)).toThrow(/encoder_forward: tokens is f32, expected u32/);
    expect(() => encoderForward(gpu, out, tokens, gpu.tensor('pos', [B, T + 1], 'u32'), wte, wpe, B, T, C, V, maxT)).toThrow(/encoder_forward: positions is \[2,4\]/);
    expect(() => encoderForward(gpu, gpu.tensor('out', [B, 8, C]), gpu.tensor('tokens', [B, 8], 'u32'), null, wte, wpe, B, 8, C, V, maxT)).toThrow(/encoder_forward: T=8 exceeds maxT=6/);
    expect(() => encoderBackward(gpu, wte, wpe, gpu.tensor('dout', [B, T, C + 1]), tokens, null, B, T, C, V, maxT)).toThrow(/encoder_backward: dout is \[2,3,5\], expected \[B=2, T=3, C=4\]/);
    expect(() => createEncoderBackward(gpu, B, T, C, 0, maxT)).toThrow(/encoder_backward: V must be a positive integer/);
  });
});
