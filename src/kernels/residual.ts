// Residual connection (llm.c's residual_forward / residual_backward) and the gradient accumulator
// the model uses to sum branches, all elementwise over N values:
//   forward       out[i]    = inp1[i] + inp2[i]
//   backward      dinp1[i] += dout[i];  dinp2[i] += dout[i]     (two distinct buffers)
//   add_in_place  dst[i]   += src[i]                            (residual_accumulate.wgsl)
// N may exceed 65535·256: launches fold into a second grid dimension (grid1d).

import { checkArgs } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import forwardWgsl from './residual.wgsl?raw';
import backwardWgsl from './residual_backward.wgsl?raw';
import accumulateWgsl from './residual_accumulate.wgsl?raw';

export const RESIDUAL_FORWARD = kernel('residual_forward', forwardWgsl);
export const RESIDUAL_BACKWARD = kernel('residual_backward', backwardWgsl);
export const ADD_IN_PLACE = kernel('add_in_place', accumulateWgsl);

const WG = 256;

/** Overlapping bindings of one buffer, one of them written, are a WebGPU validation error: say so up front. */
function checkDistinct(name: string, written: Tensor, other: Tensor): void {
  const overlap =
    written.byteOffset < other.byteOffset + other.byteLength &&
    other.byteOffset < written.byteOffset + written.byteLength;
  if (written.buffer === other.buffer && overlap) {
    throw new KernelError(
      `${name}: ${written} and ${other} overlap in one buffer; the written tensor must have its own memory`,
    );
  }
}

/** out[N] = inp1[N] + inp2[N]. */
export function residualForward(gpu: Gpu, out: Tensor, inp1: Tensor, inp2: Tensor, N: number): Dispatch {
  checkArgs('residual_forward', { N }, { out: [out, ['N']], inp1: [inp1, ['N']], inp2: [inp2, ['N']] });
  checkDistinct('residual_forward', out, inp1);
  checkDistinct('residual_forward', out, inp2);
  return gpu.dispatch(RESIDUAL_FORWARD, { N }, [out, inp1, inp2], grid1d(N, WG));
}

/** dinp1[N] += dout[N]; dinp2[N] += dout[N]. */
export function residualBackward(gpu: Gpu, dinp1: Tensor, dinp2: Tensor, dout: Tensor, N: number): Dispatch {
  checkArgs('residual_backward', { N }, { dinp1: [dinp1, ['N']], dinp2: [dinp2, ['N']], dout: [dout, ['N']] });
  checkDistinct('residual_backward', dinp1, dinp2);
  checkDistinct('residual_backward', dinp1, dout);
  checkDistinct('residual_backward', dinp2, dout);
  return gpu.dispatch(RESIDUAL_BACKWARD, { N }, [dinp1, dinp2, dout], grid1d(N, WG));
}

/** dst[N] += src[N]. */
export function addInPlace(gpu: Gpu, dst: Tensor, src: Tensor, N: number): Dispatch {
  checkArgs('add_in_place', { N }, { dst: [dst, ['N']], src: [src, ['N']] });
  checkDistinct('add_in_place', dst, src);
  return gpu.dispatch(ADD_IN_PLACE, { N }, [dst, src], grid1d(N, WG));
}
