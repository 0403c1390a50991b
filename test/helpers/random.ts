// Seeded random numbers for tests: the same seed gives the same data on every machine.

import { randn, rng } from '../../src/util/random.ts';

export { randn, rng };

/** n uniform values in [lo, hi). */
export function uniform(n: number, seed: number, lo = 0, hi = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** n integers in [0, hi). */
export function randint(n: number, seed: number, hi: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: n }, () => Math.floor(r() * hi));
}

/** Rounds float64 data to float32 and back, so references see exactly what the GPU sees. */
export function f32(data: ArrayLike<number>): Float64Array {
  return Float64Array.from(Float32Array.from(data));
}
