// Argument checks every launcher runs before it records a dispatch, so that a shape mismatch or a bad
// argument is an error naming the kernel and every shape involved, never a silent out-of-bounds read.

import { KernelError, type DType, type Tensor } from './gpu.ts';

/** Expected layout of one argument: dimension names (looked up in `dims`) or literal sizes, and a dtype. */
export type Spec = readonly [Tensor, readonly (string | number)[], DType?];

/**
 * Checks that every tensor has the shape its spec names — exactly, or with leading dimensions merged
 * (same element count and same last dimension) — and its dtype, and that every dim is a positive integer.
 */
export function checkArgs(
  kernel: string,
  dims: Readonly<Record<string, number>>,
  specs: Readonly<Record<string, Spec>>,
): void {
  for (const [name, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new KernelError(`${kernel}: ${name} must be a positive integer, got ${value}`);
    }
  }
  const problems: string[] = [];
  for (const [arg, [t, expected, dtype = 'f32']] of Object.entries(specs)) {
    const sizes = expected.map((e) => (typeof e === 'number' ? e : dims[e]));
    const want = sizes.reduce((a, b) => a * b, 1);
    // Leading dimensions may be merged: a [B, T, C] activation is a valid [N = B·T, C] argument.
    const lastOk = sizes.length === 1 || t.shape[t.shape.length - 1] === sizes[sizes.length - 1];
    const shapeOk =
      t.shape.length === sizes.length ? t.shape.every((d, i) => d === sizes[i]) : t.numel === want && lastOk;
    if (!shapeOk) {
      const named = expected.map((e) => (typeof e === 'number' ? `${e}` : `${e}=${dims[e]}`)).join(', ');
      problems.push(`${arg} is [${t.shape.join(',')}], expected [${named}]`);
    }
    if (t.dtype !== dtype) problems.push(`${arg} is ${t.dtype}, expected ${dtype}`);
  }
  if (problems.length) {
    const all = Object.entries(specs)
      .map(([arg, [t]]) => `${arg}=${t.label}[${t.shape.join(',')}]`)
      .join(' ');
    throw new KernelError(`${kernel}: ${problems.join('; ')} (arguments: ${all})`);
  }
}

/** Checks a scalar hyperparameter against a range, naming the kernel and the field. */
export function checkScalar(kernel: string, name: string, value: number, min: number, max = Infinity): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new KernelError(`${kernel}: ${name} must be in [${min}, ${max}], got ${value}`);
  }
}
