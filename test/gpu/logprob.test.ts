// logprob (forward logp and entropy, and the backward that accumulates into dlogits) on the GPU against the float64
// reference: awkward N and V up to the GPT-2 vocabulary, two temperatures, logits of ±1e4, clamped tokens, a high
// temperature, and the row grid's fold into a second dimension.

import { describe, expect, it } from 'vitest';
import { MAX_WORKGROUPS_PER_DIM } from '../../src/kernels/gpu.ts';
import { logprobBackward, logprobForward } from '../../src/kernels/logprob.ts';
import { logprobBackwardRef, logprobForwardRef } from '../../src/kernels/logprob.ref.ts';
import { testGpu } from '../helpers/gpu.ts';
import {
  accumulate,
  checkKernel,
  input,
  itShapes,
  kernelCase,
  normal,
  overwrite,
  secondGridN,
  u32,
} from '../helpers/kernel-case.ts';
import { randint, randn } from '../helpers/random.ts';

/** Forward (logp and entropy into NaN garbage) and backward (into dlogits holding a prior: it accumulates). */
function logprob(logits: ArrayLike<number>, tokens: ArrayLike<number>, N: number, V: number, temperature = 1) {
  return kernelCase({
    tensors: {
      logp: overwrite([N]),
      entropy: overwrite([N]),
      logits: input([N, V], logits),
      tokens: u32([N], tokens),
      dlogp: normal([N], 3),
      dentropy: normal([N], 4),
      dlogits: accumulate([N, V], 5),
    },
    launch: (gpu, t) => [
      logprobForward(gpu, t.logp, t.entropy, t.logits, t.tokens, N, V, temperature),
      logprobBackward(gpu, t.dlogits, t.logits, t.tokens, t.dlogp, t.dentropy, N, V, temperature),
    ],
    reference: (x) => {
      const ref = logprobForwardRef(x.logits, x.tokens, N, V, temperature);
      const tol = { atol: 1e-4, rtol: 1e-5 };
      const dlogits = logprobBackwardRef(x.dlogp, x.dentropy, x.logits, x.tokens, N, V, temperature);
      return {
        logp: { want: ref.logp, tol },
        entropy: { want: ref.entropy, tol },
        dlogits: { want: dlogits, tol: { atol: 1e-5, rtol: 1e-4 } },
      };
    },
  });
}

describe('logprob on the GPU matches the float64 reference', () => {
  const shapes = [
    [1, 1],
    [3, 7],
    [5, 65],
    [4, 300],
    [3, 513],
    [2, 50257],
  ].flatMap(([N, V]) => [1, 0.7].map((temperature) => ({ N, V, τ: temperature })));
  itShapes('forward and backward', shapes, ({ N, V, τ }) => logprob(randn(N * V, N + V, 2), randint(N, V, V), N, V, τ));

  it('logits of ±1e4: no NaN, entropy exactly 0 when one logit dominates, out-of-range tokens clamped', async () => {
    const V = 7;
    const rows = [
      [1e4, -1e4, 0, 5, -5, -1e4, -3], // one dominant logit, chosen
      [1e4, -1e4, 0, 5, -5, -1e4, -3], // one dominant logit, a far-below token: logp = −2e4
      [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4, -1e4], // uniform at −1e4: entropy log 7
      [1e4, 1e4, -1e4, -1e4, -1e4, -1e4, -1e4], // two tied: entropy log 2
      [0, 0, 0, 0, 0, 0, 30], // token 1e9 → V − 1
    ];
    const { got } = await checkKernel(logprob(rows.flat(), [0, 1, 3, 1, 1e9], rows.length, V));
    expect(got.entropy[0]).toBe(0);
    expect(got.entropy[1]).toBe(0);
    expect(got.logp[0]).toBe(0);
    expect(got.logp[1]).toBe(-2e4);
    expect([...got.logp, ...got.entropy, ...got.dlogits].every(Number.isFinite)).toBe(true);
  });

  it('a high temperature flattens the distribution (τ = 3 at V=300)', async () => {
    const [N, V] = [2, 300];
    const { got, x } = await checkKernel(logprob(randn(N * V, 9, 4), randint(N, 10, V), N, V, 3));
    const cold = logprobForwardRef(x.logits, x.tokens, N, V, 1);
    expect(got.entropy[0]).toBeGreaterThan(cold.entropy[0]);
  });

  // Both kernels are one 256-lane workgroup per row, folded into y beyond 65535 rows. Running that many is out of
  // reach on SwiftShader (~110 s for the forward alone at N = 65835), so the launch grids are checked: at most
  // 65535 workgroups per dimension, at least one per row.
  it('the row grids fold into a second dimension when N needs one (N > 65535)', async () => {
    const gpu = await testGpu();
    for (const N of [MAX_WORKGROUPS_PER_DIM, secondGridN(1)]) {
      const V = 3;
      const [n, logits] = [gpu.tensor('n', [N]), gpu.tensor('logits', [N, V])];
      const tokens = gpu.tensor('tokens', [N], 'u32');
      const grids = [
        logprobForward(gpu, n, n, logits, tokens, N, V).workgroups,
        logprobBackward(gpu, logits, logits, tokens, n, n, N, V).workgroups,
      ];
      for (const [x, y, z] of grids) {
        expect(Math.max(x, y, z)).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DIM);
        expect(x * y * z).toBeGreaterThanOrEqual(N);
        expect(y).toBe(N > MAX_WORKGROUPS_PER_DIM ? 2 : 1);
      }
    }
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
    expect(() => logprobBackward(gpu, logits, logits, tokens, n, gpu.tensor('dentropy', [3]), N, V)).toThrow(
      /logprob_backward: dentropy is \[3\], expected \[N=4\]/,
    );
    expect(() => logprobForward(gpu, n, n, logits, tokens, N, V, 0)).toThrow(/logprob_forward: temperature must be in/);
    expect(() => logprobBackward(gpu, logits, logits, tokens, n, n, N, V, NaN)).toThrow(
      /logprob_backward: temperature must be in/,
    );
  });
});
