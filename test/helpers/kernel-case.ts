// One call tests GPU kernels against their float64 reference, in the spirit of tinygrad's `helper_test_op`:
// `checkKernel` allocates every named tensor of a case (seeded inputs, outputs that start zeroed, as NaN
// garbage or as a prior gradient), launches the kernels on the Dawn device, runs the reference on the same
// f32-rounded inputs (and, where it needs them, on the GPU's own outputs) and compares each output with its
// tolerance, naming the worst element and its index. `itShapes` registers one such test per shape.
//
//   itShapes('forward and backward', [{ N: 1 }, { N: 7 }, { N: 65 }], ({ N }) => ({
//     tensors: { inp: normal([N], 1), out: output([N]), dout: normal([N], 2), dinp: accumulate([N], 3) },
//     launch: (gpu, t) => [geluForward(gpu, t.out, t.inp, N), geluBackward(gpu, t.dinp, t.inp, t.dout, N)],
//     reference: (x) => ({ out: geluForwardRef(x.inp, N), dinp: geluBackwardRef(x.inp, x.dout, N) }),
//     tol: { atol: 1e-6, rtol: 1e-5 },
//   }));
//
// Where a tensor starts decides what its check expects: `output` (zeros) and `overwrite` (NaN: an element the
// kernel fails to write is a mismatch) expect the reference; `accumulate` (a seeded prior, as for backward
// kernels that add into a gradient buffer) expects reference + prior; `inplace` (given data the kernel
// updates) expects the reference's updated value.

import { it } from 'vitest';
import { MAX_WORKGROUPS_PER_DIM, type Dispatch, type DType, type Gpu, type Tensor } from '../../src/kernels/gpu.ts';
import { expectClose, expectExact, type Tolerance } from './allclose.ts';
import { testGpu } from './gpu.ts';
import { f32, randn } from './random.ts';

/** Elements of a 1-D launch in workgroups of `wg` that `grid1d` must fold into a second grid dimension. */
export function secondGridN(wg = 256): number {
  return MAX_WORKGROUPS_PER_DIM * wg + 300;
}

type Role = 'input' | 'output' | 'overwrite' | 'accumulate' | 'inplace';

/** One tensor of a case: its shape, dtype, role and the host data it starts with. */
export interface TensorSpec<D extends Float64Array | Uint32Array = Float64Array | Uint32Array> {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly role: Role;
  readonly data: D;
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function sized<D extends Float64Array | Uint32Array>(
  shape: readonly number[],
  dtype: DType,
  role: Role,
  data: D,
): TensorSpec<D> {
  if (data.length !== numel(shape))
    throw new Error(`a [${shape}] tensor needs ${numel(shape)} values, got ${data.length}`);
  return { shape, dtype, role, data };
}

/** An f32 input holding `data` rounded to f32 (the reference sees the rounded values). */
export function input(shape: readonly number[], data: ArrayLike<number>): TensorSpec<Float64Array> {
  return sized(shape, 'f32', 'input', f32(data));
}

/** An f32 input of seeded N(0, scale²) values. */
export function normal(shape: readonly number[], seed: number, scale = 1): TensorSpec<Float64Array> {
  return input(shape, randn(numel(shape), seed, scale));
}

/** A u32 input (token ids, indices, start positions). */
export function u32(shape: readonly number[], data: ArrayLike<number>): TensorSpec<Uint32Array> {
  return sized(shape, 'u32', 'input', Uint32Array.from(data));
}

/** An output that starts zeroed. */
export function output(shape: readonly number[], dtype: DType = 'f32'): TensorSpec<Float64Array> {
  return sized(shape, dtype, 'output', new Float64Array(numel(shape)));
}

/** An output that starts as NaN (or the `garbage` given): the kernel must write every element it is checked on. */
export function overwrite(shape: readonly number[], garbage?: ArrayLike<number>): TensorSpec<Float64Array> {
  return sized(shape, 'f32', 'overwrite', garbage ? f32(garbage) : new Float64Array(numel(shape)).fill(NaN));
}

/**
 * A gradient buffer holding a prior that the kernel adds into (seeded N(0, scale²) values, or the data given):
 * its checks expect reference + prior.
 */
export function accumulate(
  shape: readonly number[],
  prior: number | ArrayLike<number>,
  scale = 1,
): TensorSpec<Float64Array> {
  return sized(shape, 'f32', 'accumulate', f32(typeof prior === 'number' ? randn(numel(shape), prior, scale) : prior));
}

/** A tensor holding `data` that the kernel updates in place: its checks expect the reference's new value. */
export function inplace(shape: readonly number[], data: ArrayLike<number>): TensorSpec<Float64Array> {
  return sized(shape, 'f32', 'inplace', f32(data));
}

/**
 * How close a check must be: `atol`/`rtol` (|got − want| ≤ atol + rtol·|want|), 'exact' (equal to f32(want),
 * either zero matching either) or 'bitwise' (equal to f32(want) including the sign of zero).
 */
export type CheckTolerance = Tolerance | 'exact' | 'bitwise';

/**
 * What the reference expects of an output: its values, or values with their own tolerance (`of` names the output;
 * `at` checks only its elements at, at + 1, … at + want.length − 1).
 */
export type Expected = ArrayLike<number> | { want: ArrayLike<number>; tol?: CheckTolerance; of?: string; at?: number };

type Specs = Record<string, TensorSpec>;
type HostOf<S extends Specs> = { [K in keyof S]: S[K]['data'] };

export interface KernelCase<S extends Specs> {
  /** Every tensor the kernels bind, by name (also the buffers' labels). */
  tensors: S;
  /**
   * Builds the dispatches (which the helper runs once), or runs them itself (several steps, uniforms written
   * between runs) and returns what it read on the way, compared like outputs.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: an async launch that reads nothing is a Promise<void>
  launch: (gpu: Gpu, t: { [K in keyof S]: Tensor }) => Dispatch[] | Promise<Record<string, ArrayLike<number>> | void>;
  /** The float64 reference: host inputs as the GPU saw them, and the GPU's outputs as read back. */
  reference: (x: HostOf<S>, got: Record<string, Float64Array>) => Record<string, Expected>;
  /** The tolerance of checks that give none. */
  tol?: CheckTolerance;
  /** Prefixed to every failure message. */
  label?: string;
}

export interface KernelResult<S extends Specs> {
  gpu: Gpu;
  t: { [K in keyof S]: Tensor };
  x: HostOf<S>;
  /** Every non-input tensor as read back, and what `launch` returned. */
  got: Record<string, Float64Array>;
}

/** Types a case (for cases built by a function before `checkKernel` or `itShapes` sees them). */
export function kernelCase<S extends Specs>(c: KernelCase<S>): KernelCase<S> {
  return c;
}

/** Allocates, launches, runs the reference and compares; returns everything for further assertions. */
export async function checkKernel<S extends Specs>(c: KernelCase<S>): Promise<KernelResult<S>> {
  const gpu = await testGpu();
  const t = {} as { [K in keyof S]: Tensor };
  const x = {} as HostOf<S>;
  for (const [name, s] of Object.entries(c.tensors) as [keyof S & string, TensorSpec][]) {
    const init = s.role === 'output' ? undefined : s.dtype === 'f32' ? Float32Array.from(s.data) : s.data;
    t[name] = gpu.tensor(name, s.shape, s.dtype, init);
    x[name] = s.data as HostOf<S>[typeof name];
  }
  const launched = c.launch(gpu, t);
  const extra = Array.isArray(launched) ? (gpu.run(launched), undefined) : await launched;
  const got: Record<string, Float64Array> = {};
  for (const [name, s] of Object.entries(c.tensors))
    if (s.role !== 'input') got[name] = Float64Array.from(await gpu.read(t[name]));
  for (const [name, v] of Object.entries(extra ?? {})) got[name] = Float64Array.from(v);
  const expected = c.reference(x, got);
  if (Object.keys(expected).length === 0) throw new Error('the reference checks nothing');
  const prefix = c.label ? `${c.label}: ` : '';
  for (const [name, e] of Object.entries(expected)) {
    const { want, tol = c.tol ?? {}, of = name, at } = isArrayLike(e) ? { want: e } : e;
    const whole = got[of];
    if (!whole) throw new Error(`${prefix}${name}: no output or launch result named ${of}`);
    const [from, to] = at === undefined ? [0, whole.length] : [at, at + want.length];
    if (from < 0 || to > whole.length) {
      throw new Error(`${prefix}${name}: [${from}, ${to}) is outside ${of}[${whole.length}]`);
    }
    const actual = whole.subarray(from, to);
    const spec = c.tensors[of];
    const prior = spec?.role === 'accumulate' ? spec.data.subarray(from, to) : null;
    const full = prior ? plus(want, prior) : want;
    if (full.length !== actual.length)
      throw new Error(`${prefix}${name}: ${actual.length} values, the reference gives ${full.length}`);
    if (tol === 'exact' || tol === 'bitwise')
      expectExact(actual, full, `${prefix}${name}`, { signedZero: tol === 'bitwise' });
    else expectClose(actual, full, `${prefix}${name}`, tol);
  }
  return { gpu, t, x, got };
}

function plus(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const sum = Float64Array.from(a); // a plain loop: a mapping Float64Array.from is 30 times slower at 16M elements
  for (let i = 0; i < sum.length; i++) sum[i] += b[i];
  return sum;
}

function isArrayLike(e: Expected): e is ArrayLike<number> {
  return typeof (e as ArrayLike<number>).length === 'number';
}

/** `N=7 C=5 start=0,3`: a shape record as test names show it. */
export function shapeLabel(shape: object): string {
  return Object.entries(shape)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/**
 * One test per shape, named `${title} at ${shapeLabel(shape)}`, each checking the case `build` gives. A shape is
 * any object of named sizes (an interface too).
 */
export function itShapes<T extends object, S extends Specs>(
  title: string,
  shapes: readonly T[],
  build: (shape: T) => KernelCase<S>,
  timeout?: number,
): void {
  for (const shape of shapes) {
    it(
      `${title} at ${shapeLabel(shape)}`,
      async () => {
        await checkKernel(build(shape));
      },
      timeout,
    );
  }
}
