// Proves a float64 reference's backward pass by central finite differences (tinygrad's gradcheck).
//
// The scalar checked is L = Σ out·w for a fixed random w, so `backward(inputs, w)` must return ∂L/∂input
// for every differentiable input. Up to `maxProbes` elements per input are probed (all of them for
// small inputs), chosen with a seeded generator. `itGradients` registers one such check per shape, and
// `itRejectsWrongGradient` proves on a deliberately wrong backward that the check can fail.

import { expect, it } from 'vitest';
import { rng, randn } from './random.ts';

export type Inputs = Record<string, Float64Array>;

export interface GradCheck {
  inputs: Inputs;
  /** Inputs named here are not differentiated (token ids, masks, targets). */
  constant?: readonly string[];
  forward: (inputs: Inputs) => Float64Array;
  backward: (inputs: Inputs, dout: Float64Array) => Inputs;
  eps?: number;
  tol?: number;
  maxProbes?: number;
  seed?: number;
}

export function checkGradients({
  inputs,
  constant = [],
  forward,
  backward,
  eps = 1e-6,
  tol = 1e-6,
  maxProbes = 64,
  seed = 7,
}: GradCheck): void {
  const out = forward(inputs);
  const w = randn(out.length, seed);
  const loss = (x: Inputs) => forward(x).reduce((s, v, i) => s + v * w[i], 0);
  const grads = backward(inputs, w);
  const pick = rng(seed + 1);
  let probed = 0;
  for (const [name, value] of Object.entries(inputs)) {
    if (constant.includes(name)) continue;
    const g = grads[name];
    if (!g) throw new Error(`backward returned no gradient for ${name}`);
    if (g.length !== value.length) {
      throw new Error(`gradient of ${name} has ${g.length} values, input has ${value.length}`);
    }
    const indices =
      value.length <= maxProbes
        ? [...value.keys()]
        : Array.from({ length: maxProbes }, () => Math.floor(pick() * value.length));
    for (const i of indices) {
      const orig = value[i];
      value[i] = orig + eps;
      const up = loss(inputs);
      value[i] = orig - eps;
      const down = loss(inputs);
      value[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const scale = Math.max(1, Math.abs(numeric), Math.abs(g[i]));
      if (Math.abs(numeric - g[i]) > tol * scale) {
        throw new Error(`d${name}[${i}]: backward gives ${g[i]}, finite differences give ${numeric}`);
      }
      probed++;
    }
  }
  if (probed === 0) throw new Error('gradient check probed no element: nothing was differentiated');
}

/** `N=7 C=5`: a shape as test names show it. */
function label(shape: object): string {
  return Object.entries(shape)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** One test per shape, `backward matches finite differences at N=… C=…`: `checkGradients(build(shape))` passes. */
export function itGradients<T extends object>(shapes: readonly T[], build: (shape: T) => GradCheck): void {
  for (const shape of shapes) {
    it(`backward matches finite differences at ${label(shape)}`, () => {
      expect(() => checkGradients(build(shape))).not.toThrow();
    });
  }
}

/**
 * One test that the check rejects `check`, a backward made wrong in the input `wrong`: it must fail on a gradient
 * of that input (`d${wrong}[i]: …`), not for any other reason.
 */
export function itRejectsWrongGradient(title: string, wrong: string, check: GradCheck): void {
  it(`the finite-difference check rejects a wrong backward (${title})`, () => {
    expect(() => checkGradients(check)).toThrow(new RegExp(`^d${wrong}\\[\\d+\\]: backward gives`));
  });
}
