// Seeded random numbers for tests: the same seed gives the same data on every machine.

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n normal(0, scale) values in float64. */
export function randn(n: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

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
