import { describe, expect, it } from 'vitest';
import { geluBackwardRef, geluForwardRef } from '../../src/kernels/gelu.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randn } from '../helpers/random.ts';

describe('gelu reference', () => {
  for (const [N, scale] of [
    [1, 1],
    [7, 3],
    [65, 2],
  ]) {
    it(`backward matches finite differences at N=${N} scale=${scale}`, () => {
      checkGradients({
        inputs: { inp: randn(N, 1, scale) },
        forward: ({ inp }) => geluForwardRef(inp, N),
        backward: ({ inp }, dout) => ({ inp: geluBackwardRef(inp, dout, N) }),
      });
    });
  }

  it('takes known values and saturates at the tails', () => {
    const x = Float64Array.from([0, 1, -1, 300, -300, 1e4, -1e4]);
    const out = geluForwardRef(x, x.length);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(0.8411919906, 9); // 0.5·(1 + tanh(√(2/π)·1.044715))
    expect(out[2]).toBeCloseTo(-0.1588080094, 9);
    expect(Array.from(out.slice(3))).toEqual([300, -0, 1e4, -0]);
    expect(Array.from(geluBackwardRef(x.slice(3), new Float64Array(4).fill(1), 4))).toEqual([1, 0, 1, 0]);
  });
});
