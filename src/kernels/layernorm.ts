// Layer normalisation over the last dimension C of N rows (GPT-2's ln_1, ln_2, ln_f), eps = 1e-5.
//   forward   out = (inp − mean)·rstd·weight + bias, saving mean[N], rstd[N]
//   backward  dinp += rstd·(g − mean(g) − norm·mean(g·norm)) with g = dout·weight,
//             dweight += Σ_n dout·norm, dbias += Σ_n dout   (two kernels: per row, then per column)
// The forward shifts each row by its first element before summing, so rows with a large common
// offset (1e4 + small noise) normalise to f32 precision of the noise; the input gradient removes the
// rounding of the saved f32 mean the same way. dweight does not (it would need a whole-row sum per
// row): its norm carries up to half an ulp of the row's mean times rstd (see the .wgsl files).

import { checkArgs } from './check.ts';
import { kernel, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import forwardWgsl from './layernorm.wgsl?raw';
import backwardWgsl from './layernorm_backward.wgsl?raw';
import paramsWgsl from './layernorm_backward_params.wgsl?raw';

export const LAYERNORM_FORWARD = kernel('layernorm_forward', forwardWgsl);
export const LAYERNORM_BACKWARD = kernel('layernorm_backward', backwardWgsl);
export const LAYERNORM_BACKWARD_PARAMS = kernel('layernorm_backward_params', paramsWgsl);

/** One workgroup per row, rows folded into y beyond 65535. */
function rowGrid(N: number): [number, number, number] {
  return N <= 65535 ? [N, 1, 1] : [65535, Math.ceil(N / 65535), 1];
}

export function layernormForward(gpu: Gpu, out: Tensor, mean: Tensor, rstd: Tensor, inp: Tensor, weight: Tensor, bias: Tensor, N: number, C: number): Dispatch {
  checkArgs('layernorm_forward', { N, C }, {
    out: [out, ['N', 'C']], mean: [mean, ['N']], rstd: [rstd, ['N']], inp: [inp, ['N', 'C']], weight: [weight, ['C']], bias: [bias, ['C']],
  });
  return gpu.dispatch(LAYERNORM_FORWARD, { N, C }, [out, mean, rstd, inp, weight, bias], rowGrid(N));
}

export function layernormBackward(gpu: Gpu, dinp: Tensor, dweight: Tensor, dbias: Tensor, dout: Tensor, inp: Tensor, weight: Tensor, mean: Tensor, rstd: Tensor, N: number, C: number): Dispatch[] {
  checkArgs('layernorm_backward', { N, C }, {
    dinp: [dinp, ['N', 'C']], dweight: [dweight, ['C']], dbias: [dbias, ['C']], dout: [dout, ['N', 'C']],
    inp: [inp, ['N', 'C']], weight: [weight, ['C']], mean: [mean, ['N']], rstd: [rstd, ['N']],
  });
  return [
    gpu.dispatch(LAYERNORM_BACKWARD, { N, C }, [dinp, dout, inp, weight, mean, rstd], rowGrid(N)),
    gpu.dispatch(LAYERNORM_BACKWARD_PARAMS, { N, C }, [dweight, dbias, dout, inp, mean, rstd], [Math.ceil(C / 64), 1, 1]),
  ];
}
