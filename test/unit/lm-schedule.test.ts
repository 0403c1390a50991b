import { describe, expect, it } from 'vitest';
import { learningRate } from '../../src/train/lm.ts';

describe('learning-rate schedule', () => {
  const c = { lr: 1e-3, warmupSteps: 10, minLrRatio: 0.1, steps: 110 };
  it('warms up linearly, peaks, then follows a cosine down to lr·minLrRatio', () => {
    expect(learningRate(1, c)).toBeCloseTo(1e-4, 12);
    expect(learningRate(10, c)).toBeCloseTo(1e-3, 12);
    expect(learningRate(60, c)).toBeCloseTo(1e-4 + 0.5 * 9e-4, 12); // halfway through the cosine
    expect(learningRate(110, c)).toBeCloseTo(1e-4, 12);
    expect(learningRate(500, c)).toBeCloseTo(1e-4, 12);
    for (let s = 11; s < 110; s++) expect(learningRate(s + 1, c)).toBeLessThan(learningRate(s, c));
  });
});
