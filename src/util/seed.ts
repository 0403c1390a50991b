// Derived seeds: one u32 per (seed, step, use) from a run's one seed, so every iteration (or round) and every
// use within it (the sampler's draws, the minibatch order, a shuffle) draws from its own stream. A murmur-style
// multiply-xorshift mix; `salt` keeps two callers' streams apart for the same seed.

/** Salts of the callers (the values they used before sharing this function, so their streams are unchanged). */
export const SEED_SALT = { ppo: 0x5bd1e995, online: 0x2545f491 } as const;

/** A u32 from (seed, step, use) under `salt`: the same arguments give the same seed on every machine. */
export function mixSeed(salt: number, seed: number, step: number, use: number): number {
  let h = Math.imul(seed ^ salt, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b) ^ Math.imul(use + 1, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}
