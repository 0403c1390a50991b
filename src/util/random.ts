// Seeded host-side random numbers (weight initialisation, self-checks, tests): the same seed gives the
// same numbers on every machine. GPU-side randomness (sampling) is a counter-based hash in sample.wgsl.

/** mulberry32: a small, fast 32-bit generator returning uniforms in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates: permutes xs in place with uniforms from `random` (the same draws for the same seed); returns xs. */
export function shuffleInPlace<X>(xs: X[], random: () => number): X[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** n normal(0, scale) values (Box–Muller) in float64. */
export function randn(n: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}
