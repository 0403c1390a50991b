import { describe, expect, it } from 'vitest';
import { encoderBackwardRef, encoderForwardRef } from '../../src/kernels/encoder.ref.ts';
import { checkGradients } from '../helpers/gradcheck.ts';
import { randint, randn } from '../helpers/random.ts';

// [B, T, C, V, maxT, with positions]
const SHAPES: [number, number, number, number, number, boolean][] = [
  [1, 1, 1, 1, 1, false],
  [2, 3, 4, 3, 5, false], // V < B·T: tokens repeat
  [3, 7, 2, 7, 7, true],
  [1, 7, 3, 65, 9, true],
];

describe('encoder reference', () => {
  for (const [B, T, C, V, maxT, withPositions] of SHAPES) {
    it(`backward matches finite differences at B=${B} T=${T} C=${C} V=${V} maxT=${maxT}${withPositions ? ' with positions' : ''}`, () => {
      const tokens = randint(B * T, 1, V);
      const positions = withPositions ? randint(B * T, 2, maxT) : null;
      checkGradients({
        inputs: { wte: randn(V * C, 3), wpe: randn(maxT * C, 4) },
        forward: ({ wte, wpe }) => encoderForwardRef(tokens, positions, wte, wpe, B, T, C, V, maxT),
        backward: (_, dout) => {
          const g = encoderBackwardRef(dout, tokens, positions, B, T, C, V, maxT);
          return { wte: g.dwte, wpe: g.dwpe };
        },
      });
    });
  }

  it('clamps out-of-range token ids and positions to the last row', () => {
    const [B, T, C, V, maxT] = [1, 2, 2, 3, 4];
    const wte = randn(V * C, 5);
    const wpe = randn(maxT * C, 6);
    const out = encoderForwardRef([7, 2], [9, 3], wte, wpe, B, T, C, V, maxT);
    expect(Array.from(out)).toEqual([wte[4] + wpe[6], wte[5] + wpe[7], wte[4] + wpe[6], wte[5] + wpe[7]]);
    const g = encoderBackwardRef(Float64Array.of(1, 2, 3, 4), [7, 2], [9, 3], B, T, C, V, maxT);
    expect(Array.from(g.dwte)).toEqual([0, 0, 0, 0, 4, 6]);
    expect(Array.from(g.dwpe)).toEqual([0, 0, 0, 0, 0, 0, 4, 6]);
  });
});
