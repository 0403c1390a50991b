// Layer normalisation over the last dimension C of N rows (GPT-2's ln_1, ln_2, ln_f), eps = 1e-5.
//   forward   out = (inp − mean)·rstd·weight + bias, saving mean[N], rstd[N]
//   backward  dinp += rstd·(g − mean(g) − norm·mean(g·norm)) with g = dout·weight,
//             dweight += Σ_n dout·norm, dbias += Σ_n dout   (two kernels: per row, then per column)
// The forward shifts each row by its first element before summing, so rows with a large common
// offset (1e4 + small noise) normalise to f32 precision of the noise; the input gradient removes the
// rounding of the saved f32 mean the same way. dweight does not (it would need a whole-row sum per
// row): its norm carries up to half an ulp of the row's mean times rstd (see the .wgsl files).
// The two per-row kernels give each row 32 lanes and each workgroup LAYERNORM_ROWS rows (llm.c's one
// warp per row; without subgroups, which not every adapter has, a row's 32 lane sums meet in workgroup
// memory, where after one barrier every lane adds them in lane order).

import { checkArgs } from './check.ts';
import { kernel, MAX_WORKGROUPS_PER_DIM, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import forwardWgsl from './layernorm.wgsl?raw';
import backwardWgsl from './layernorm_backward.wgsl?raw';
import paramsWgsl from './layernorm_backward_params.wgsl?raw';

export const LAYERNORM_FORWARD = kernel('layernorm_forward', forwardWgsl);
export const LAYERNORM_BACKWARD = kernel('layernorm_backward', backwardWgsl);
export const LAYERNORM_BACKWARD_PARAMS = kernel('layernorm_backward_params', paramsWgsl);

/** Rows per workgroup of the per-row kernels: `ROWS` in layernorm.wgsl and layernorm_backward.wgsl. */
export const LAYERNORM_ROWS = 8;

/** ceil(N / LAYERNORM_ROWS) workgroups, folded into y beyond 65535 (the shaders read wid.x + wid.y·65535). */
export function layernormRowGrid(N: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(N / LAYERNORM_ROWS));
  return groups <= MAX_WORKGROUPS_PER_DIM
    ? [groups, 1, 1]
    : [MAX_WORKGROUPS_PER_DIM, Math.ceil(groups / MAX_WORKGROUPS_PER_DIM), 1];
}

export function layernormForward(
  gpu: Gpu,
  out: Tensor,
  mean: Tensor,
  rstd: Tensor,
  inp: Tensor,
  weight: Tensor,
  bias: Tensor,
  N: number,
  C: number,
): Dispatch {
  checkArgs(
    'layernorm_forward',
    { N, C },
    {
      out: [out, ['N', 'C']],
      mean: [mean, ['N']],
      rstd: [rstd, ['N']],
      inp: [inp, ['N', 'C']],
      weight: [weight, ['C']],
      bias: [bias, ['C']],
    },
  );
  return gpu.dispatch(LAYERNORM_FORWARD, { N, C }, [out, mean, rstd, inp, weight, bias], layernormRowGrid(N));
}

export function layernormBackward(
  gpu: Gpu,
  dinp: Tensor,
  dweight: Tensor,
  dbias: Tensor,
  dout: Tensor,
  inp: Tensor,
  weight: Tensor,
  mean: Tensor,
  rstd: Tensor,
  N: number,
  C: number,
): Dispatch[] {
  checkArgs(
    'layernorm_backward',
    { N, C },
    {
      dinp: [dinp, ['N', 'C']],
      dweight: [dweight, ['C']],
      dbias: [dbias, ['C']],
      dout: [dout, ['N', 'C']],
      inp: [inp, ['N', 'C']],
      weight: [weight, ['C']],
      mean: [mean, ['N']],
      rstd: [rstd, ['N']],
    },
  );
  return [
    gpu.dispatch(LAYERNORM_BACKWARD, { N, C }, [dinp, dout, inp, weight, mean, rstd], layernormRowGrid(N)),
    gpu.dispatch(
      LAYERNORM_BACKWARD_PARAMS,
      { N, C },
      [dweight, dbias, dout, inp, mean, rstd],
      [Math.ceil(C / 64), 1, 1],
    ),
  ];
}
