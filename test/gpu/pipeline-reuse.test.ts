// One compiled pipeline serves every shape: matmul reads its sizes and switches, attention its length T, from a
// shared uniform block (gpu.uniformValues), so a new shape or product compiles nothing. Compiling a pipeline per
// shape cost ~5 s each on SwiftShader and dominated the browser tests (docs/benchmarks.md).

import { describe, expect, it } from 'vitest';
import { attentionForward } from '../../src/kernels/attention.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../../src/kernels/matmul.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('pipelines shared across shapes', () => {
  it('compiles one matmul pipeline for every shape and product, and one attention pipeline for every length', async () => {
    const gpu = await testGpu();
    const matmul = (N: number, C: number, OC: number) =>
      matmulForward(
        gpu,
        gpu.tensor('out', [N, OC]),
        gpu.tensor('inp', [N, C]),
        gpu.tensor('w', [OC, C]),
        null,
        N,
        C,
        OC,
      );
    const attention = (T: number) =>
      attentionForward(
        gpu,
        gpu.tensor('out', [2, T, 8]),
        gpu.tensor('lse', [2, 2, T]),
        gpu.tensor('qkv', [2, T, 24]),
        null,
        2,
        T,
        8,
        2,
      );
    matmul(3, 5, 7);
    attention(5);
    const before = gpu.counters.pipelines;
    matmul(70, 33, 2);
    matmul(1, 1, 130);
    matmulForward(
      gpu,
      gpu.tensor('out', [4, 3]),
      gpu.tensor('inp', [4, 2]),
      gpu.tensor('w', [3, 2]),
      gpu.tensor('bias', [3]),
      4,
      2,
      3,
    );
    matmulBackwardInput(gpu, gpu.tensor('dinp', [4, 2]), gpu.tensor('dout', [4, 3]), gpu.tensor('w', [3, 2]), 4, 2, 3);
    matmulBackwardWeight(gpu, gpu.tensor('dw', [3, 2]), gpu.tensor('dout', [4, 3]), gpu.tensor('inp', [4, 2]), 4, 2, 3);
    attention(1);
    attention(67);
    expect(gpu.counters.pipelines).toBe(before);
    expect(gpu.uniformValues([70, 2, 33])).toBe(gpu.uniformValues([70, 2, 33]));
    expect(gpu.uniformValues([70, 2, 33])).not.toBe(gpu.uniformValues([70, 33, 2]));
    expect(() => gpu.uniformValues([-1])).toThrow('uniformValues [-1]: -1 is not a u32');
  });
});
