// fill: out[0..N) = value. Used to zero accumulated gradients inside a step's single compute pass.

import { checkArgs } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import fillWgsl from './fill.wgsl?raw';

export const FILL = kernel('fill', fillWgsl);

export function fill(gpu: Gpu, out: Tensor, value = 0, N = out.numel): Dispatch {
  checkArgs('fill', { N }, {});
  if (N > out.numel) throw new KernelError(`fill: N=${N} exceeds ${out}`);
  if (out.dtype !== 'f32') throw new KernelError(`fill: ${out} is ${out.dtype}, expected f32`);
  return gpu.dispatch(FILL, { N, VALUE: value }, [out], grid1d(N, 256));
}
