// GELU, GPT-2's tanh approximation (llm.c's gelu_forward / gelu_backward), elementwise over N values:
//   forward   out[i]   = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),  x = inp[i]
//   backward  dinp[i] += dout[i]·gelu'(x)
// The shaders evaluate 0.5·(1 + tanh(u)) as the equal 1/(1 + exp(−2u)) with clamped arguments, so
// they are accurate in both tails and NaN-free for every finite input (see gelu.wgsl). N may exceed
// 65535·256: launches fold into a second grid dimension (grid1d).

import { checkArgs } from './check.ts';
import { grid1d, kernel, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import forwardWgsl from './gelu.wgsl?raw';
import backwardWgsl from './gelu_backward.wgsl?raw';

export const GELU_FORWARD = kernel('gelu_forward', forwardWgsl);
export const GELU_BACKWARD = kernel('gelu_backward', backwardWgsl);

const WG = 256;

/** out[N] = gelu(inp[N]). */
export function geluForward(gpu: Gpu, out: Tensor, inp: Tensor, N: number): Dispatch {
  checkArgs('gelu_forward', { N }, { out: [out, ['N']], inp: [inp, ['N']] });
  return gpu.dispatch(GELU_FORWARD, { N }, [out, inp], grid1d(N, WG));
}

/** dinp[N] += dout[N]·gelu'(inp[N]). */
export function geluBackward(gpu: Gpu, dinp: Tensor, inp: Tensor, dout: Tensor, N: number): Dispatch {
  checkArgs('gelu_backward', { N }, { dinp: [dinp, ['N']], inp: [inp, ['N']], dout: [dout, ['N']] });
  return gpu.dispatch(GELU_BACKWARD, { N }, [dinp, inp, dout], grid1d(N, WG));
}
