// fill: out[0..N) = value (zeroes accumulated gradients inside a step's compute pass); scale: x *= factor.

import { checkArgs } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import fillWgsl from './fill.wgsl?raw';
import scaleWgsl from './scale.wgsl?raw';

export const FILL = kernel('fill', fillWgsl);

export function fill(gpu: Gpu, out: Tensor, value = 0, N = out.numel): Dispatch {
  checkArgs('fill', { N }, {});
  if (N > out.numel) throw new KernelError(`fill: N=${N} exceeds ${out}`);
  if (out.dtype !== 'f32') throw new KernelError(`fill: ${out} is ${out.dtype}, expected f32`);
  return gpu.dispatch(FILL, { N, VALUE: value }, [out], grid1d(N, 256));
}

export const SCALE = kernel('scale', scaleWgsl);

/** x[0..N) *= factor, in place. */
export function scaleInPlace(gpu: Gpu, x: Tensor, factor: number, N = x.numel): Dispatch {
  checkArgs('scale', { N }, {});
  if (N > x.numel) throw new KernelError(`scale: N=${N} exceeds ${x}`);
  if (x.dtype !== 'f32' || !Number.isFinite(factor))
    throw new KernelError(`scale: needs an f32 tensor and a finite factor, got ${x} × ${factor}`);
  return gpu.dispatch(SCALE, { N, FACTOR: factor }, [x], grid1d(N, 256));
}
