// encoder (forward, and the backward that accumulates into dwte and dwpe) on the GPU against the float64 reference:
// awkward B, T, C, V, maxT, with and without positions, repeated tokens, left padding, clamped ids, the reused
// scratch with packed gradient views, and a B·T·C whose 1-D grids need a second dimension.

import { describe, expect, it } from 'vitest';
import { createEncoderBackward, encoderBackward, encoderForward } from '../../src/kernels/encoder.ts';
import { encoderBackwardRef, encoderForwardRef } from '../../src/kernels/encoder.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  accumulate,
  checkKernel,
  itShapes,
  kernelCase,
  normal,
  output,
  overwrite,
  secondGridN,
  u32,
} from '../helpers/kernel-case.ts';
import { randint } from '../helpers/random.ts';

const TOL = { atol: 1e-5, rtol: 1e-5 };

interface Shape {
  B: number;
  T: number;
  C: number;
  V: number;
  maxT: number;
}

/**
 * Forward (into NaN garbage) and backward (into dwte and dwpe holding priors: they accumulate). `positions` null
 * uses pos = t (the positions tensor is then allocated but not bound).
 */
function encoder(
  { B, T, C, V, maxT }: Shape,
  tokens: ArrayLike<number>,
  positions: ArrayLike<number> | null,
  seed: number,
) {
  return kernelCase({
    tensors: {
      out: overwrite([B, T, C]),
      tokens: u32([B, T], tokens),
      positions: u32([B, T], positions ?? new Array(B * T).fill(0)),
      wte: normal([V, C], seed),
      wpe: normal([maxT, C], seed + 1),
      dout: normal([B, T, C], seed + 2),
      dwte: accumulate([V, C], seed + 3),
      dwpe: accumulate([maxT, C], seed + 4),
    },
    launch: (gpu, t) => {
      const pos = positions ? t.positions : null;
      return [
        encoderForward(gpu, t.out, t.tokens, pos, t.wte, t.wpe, B, T, C, V, maxT),
        ...encoderBackward(gpu, t.dwte, t.dwpe, t.dout, t.tokens, pos, B, T, C, V, maxT),
      ];
    },
    reference: (x) => {
      const pos = positions ? x.positions : null;
      const { dwte, dwpe } = encoderBackwardRef(x.dout, x.tokens, pos, B, T, C, V, maxT);
      return { out: encoderForwardRef(x.tokens, pos, x.wte, x.wpe, B, T, C, V, maxT), dwte, dwpe };
    },
    tol: TOL,
  });
}

const SHAPES: Shape[] = [
  { B: 1, T: 1, C: 1, V: 1, maxT: 1 },
  { B: 2, T: 7, C: 5, V: 7, maxT: 9 },
  { B: 3, T: 65, C: 7, V: 65, maxT: 70 },
  { B: 2, T: 4, C: 300, V: 5, maxT: 4 }, // C larger than a workgroup, tokens repeat
  { B: 2, T: 300, C: 3, V: 300, maxT: 300 }, // B·T = 600 rows: the chain kernel spans three workgroups
  { B: 2, T: 5, C: 3, V: 50257, maxT: 8 },
];

describe('encoder on the GPU matches the float64 reference', () => {
  for (const s of SHAPES) {
    const { B, T, C, V, maxT } = s;
    itShapes('forward and backward', [s], () => encoder(s, randint(B * T, B + T, V), null, C));
    itShapes('forward and backward with positions', [s], () =>
      encoder(s, randint(B * T, B + T, V), randint(B * T, V, maxT), C + 10),
    );
  }

  it('tokens repeated across the batch (few distinct ids, one id everywhere)', async () => {
    const s = { B: 4, T: 65, C: 9, V: 50257, maxT: 80 };
    await checkKernel(
      encoder(
        s,
        randint(s.B * s.T, 1, 3).map((x) => x * 20000),
        null,
        1,
      ),
    );
    await checkKernel(encoder(s, new Array(s.B * s.T).fill(50256), null, 2));
  });

  it('left-padded batches and a single-token decode step', async () => {
    const [B, T, C, V, maxT] = [3, 7, 6, 11, 16];
    const pad = [0, 2, 5];
    const positions = Array.from({ length: B * T }, (_, i) => Math.max(0, (i % T) - pad[Math.floor(i / T)]));
    await checkKernel(encoder({ B, T, C, V, maxT }, randint(B * T, 3, V), positions, 3));
    await checkKernel(encoder({ B: 5, T: 1, C, V, maxT }, randint(5, 4, V), [15, 3, 0, 15, 7], 4));
  });

  it('out-of-range token ids and positions are clamped to the last row', async () => {
    const s = { B: 2, T: 3, C: 5, V: 7, maxT: 4 };
    await checkKernel(encoder(s, [7, 0, 1e9, 6, 0xffffffff, 2], [4, 0, 3, 1e6, 2, 0xffffffff], 5));
  });

  // B·T·C, B·T·C and T·C > 65535·256: the forward, the scatter and the wpe kernels fold into y (the chain
  // kernel's grid over B·T rows stays small: its work is O((B·T)²))
  const wide = { B: 1, T: 64, C: Math.ceil(secondGridN(256) / 64), V: 5, maxT: 64 };
  itShapes(
    'covers every element when B·T·C needs a second grid dimension',
    [wide],
    (s) => encoder(s, randint(s.T, 8, s.V), null, 9),
    120_000,
  );
  itShapes(
    'covers every element with positions when B·T·C needs a second grid dimension',
    [wide],
    (s) => encoder(s, randint(s.T, 8, s.V), randint(s.T, 9, s.maxT), 10),
    120_000,
  );

  it('the scratch is reused, results are bit-identical between runs, and dwte/dwpe may share a buffer', async () => {
    const [B, T, C, V, maxT] = [3, 20, 7, 13, 24];
    // one packed gradient buffer, as in the model: wte at 0, wpe at the next 64-float boundary
    const offset = Math.ceil((V * C) / 64) * 64;
    await checkKernel(
      kernelCase({
        tensors: {
          dout: normal([B, T, C], 7),
          tokens: u32([B, T], randint(B * T, 6, V)),
          grads: output([offset + maxT * C]),
        },
        launch: async (gpu, t) => {
          const dwte = gpu.view(t.grads, 'dwte', 0, [V, C]);
          const dwpe = gpu.view(t.grads, 'dwpe', offset, [maxT, C]);
          const buffers = gpu.counters.buffers;
          const backward = createEncoderBackward(gpu, B, T, C, V, maxT);
          const dispatches = backward(dwte, dwpe, t.dout, t.tokens, null);
          expect(gpu.counters.buffers).toBe(buffers + 1);
          gpu.run(dispatches);
          const first = await gpu.read(t.grads);
          gpu.zero(t.grads);
          gpu.run(dispatches);
          const second = await gpu.read(t.grads);
          expect(second).toEqual(first);
          return { first };
        },
        reference: (x) => {
          const ref = encoderBackwardRef(x.dout, x.tokens, null, B, T, C, V, maxT);
          return {
            dwte: { want: ref.dwte, of: 'first', at: 0 },
            dwpe: { want: ref.dwpe, of: 'first', at: offset },
            // the padding between the two views is never written
            gap: { want: new Float64Array(offset - V * C), of: 'grads', at: V * C, tol: 'exact' },
          };
        },
        tol: TOL,
      }),
    );
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
    expect(() => encoderForward(gpu, out, gpu.tensor('tokens', [B, T]), null, wte, wpe, B, T, C, V, maxT)).toThrow(
      /encoder_forward: tokens is f32, expected u32/,
    );
    const pos = gpu.tensor('pos', [B, T + 1], 'u32');
    expect(() => encoderForward(gpu, out, tokens, pos, wte, wpe, B, T, C, V, maxT)).toThrow(
      /encoder_forward: positions is \[2,4\]/,
    );
    const [out8, tokens8] = [gpu.tensor('out', [B, 8, C]), gpu.tensor('tokens', [B, 8], 'u32')];
    expect(() => encoderForward(gpu, out8, tokens8, null, wte, wpe, B, 8, C, V, maxT)).toThrow(
      /encoder_forward: T=8 exceeds maxT=6/,
    );
    const dout = gpu.tensor('dout', [B, T, C + 1]);
    expect(() => encoderBackward(gpu, wte, wpe, dout, tokens, null, B, T, C, V, maxT)).toThrow(
      /encoder_backward: dout is \[2,3,5\], expected \[B=2, T=3, C=4\]/,
    );
    expect(() => createEncoderBackward(gpu, B, T, C, 0, maxT)).toThrow(
      /encoder_backward: V must be a positive integer/,
    );
  });
});
