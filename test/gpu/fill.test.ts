import { describe, expect, it } from 'vitest';
import { fill, scaleInPlace } from '../../src/kernels/fill.ts';
import { testGpu } from '../helpers/gpu.ts';
import { checkKernel, inplace, itShapes, kernelCase, secondGridN } from '../helpers/kernel-case.ts';

/** 1, 2, 3, ...: a buffer whose every element is different. */
const ramp = (n: number, from = 1) => Float64Array.from({ length: n }, (_, i) => i + from);

/** fill(value, N) over N + 3 elements: the first N become value, the last 3 keep what they held. */
function fillCase(N: number, value: number) {
  return kernelCase({
    tensors: { t: inplace([N + 3], ramp(N + 3)) },
    launch: (gpu, t) => [fill(gpu, t.t, value, N)],
    reference: (x) => ({ t: x.t.map((v, i) => (i < N ? value : v)) }),
    tol: 'bitwise',
  });
}

/** scale(factor, N) over N + 5 elements: the first N are multiplied, the last 5 keep what they held. */
function scaleCase(N: number, factor: number) {
  return kernelCase({
    tensors: { t: inplace([N + 5], ramp(N + 5, -3)) },
    launch: (gpu, t) => [scaleInPlace(gpu, t.t, factor, N)],
    reference: (x) => ({ t: x.t.map((v, i) => (i < N ? v * factor : v)) }),
    tol: 'bitwise',
  });
}

describe('fill', () => {
  itShapes(
    'sets the first N of N + 3 elements and leaves the rest',
    [{ N: 1 }, { N: 7 }, { N: 65 }, { N: 300 }],
    ({ N }) => fillCase(N, -2.5),
  );

  it('covers every element when N needs a second grid dimension (N > 65535·256)', async () => {
    await checkKernel(fillCase(secondGridN(256), 0));
  });

  it('refuses a u32 tensor or an N past the end, naming the kernel', async () => {
    const gpu = await testGpu();
    expect(() => fill(gpu, gpu.tensor('ids', [4], 'u32'))).toThrow(/fill: ids\[4\] is u32/);
    expect(() => fill(gpu, gpu.tensor('x', [4]), 0, 5)).toThrow(/fill: N=5 exceeds x\[4\]/);
  });
});

describe('scale', () => {
  itShapes('multiplies the first N elements in place', [{ N: 1 }, { N: 65 }, { N: 300 }], ({ N }) =>
    scaleCase(N, 0.25),
  );

  it('covers every element when N needs a second grid dimension (N > 65535·256)', async () => {
    await checkKernel(scaleCase(secondGridN(256), 0.5));
  });

  it('refuses a NaN factor', async () => {
    const gpu = await testGpu();
    expect(() => scaleInPlace(gpu, gpu.tensor('t', [70]), NaN)).toThrow(
      /scale: needs an f32 tensor and a finite factor/,
    );
  });
});
