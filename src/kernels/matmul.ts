// Launchers for the three matrix products of a linear layer y = x·Wᵀ + b (llm.c's matmul_forward /
// matmul_backward), all on the one tiled GEMM in matmul.wgsl:
//   forward          out[N, OC]   = inp[N, C] · weight[OC, C]ᵀ + bias[OC]
//   backward input   dinp[N, C]  += dout[N, OC] · weight[OC, C]
//   backward weight  dweight[OC, C] += dout[N, OC]ᵀ · inp[N, C];  dbias[OC] += Σ_n dout[n, :]
// N is the number of rows (B·T for a batch of sequences). `batch` > 1 multiplies `batch` independent
// matrix pairs stored back to back (bias shared).

import { checkArgs } from './check.ts';
import { kernel, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import matmulWgsl from './matmul.wgsl?raw';
import columnSumWgsl from './column_sum.wgsl?raw';

export const MATMUL = kernel('matmul', matmulWgsl);
export const COLUMN_SUM = kernel('column_sum', columnSumWgsl);

const TILE = 64;

function gemm(
  gpu: Gpu,
  c: Tensor,
  a: Tensor,
  b: Tensor,
  bias: Tensor | null,
  o: { M: number; N: number; K: number; batch: number; transA: boolean; transB: boolean; accumulate: boolean },
): Dispatch {
  return gpu.dispatch(
    MATMUL,
    {},
    [
      c,
      a,
      b,
      bias ?? gpu.placeholder,
      gpu.uniformValues([o.M, o.N, o.K, +o.transA, +o.transB, +o.accumulate, +(bias !== null)]),
    ],
    [Math.ceil(o.N / TILE), Math.ceil(o.M / TILE), o.batch],
  );
}

/** out[N, OC] = inp[N, C] · weight[OC, C]ᵀ + bias[OC] (bias may be null). */
export function matmulForward(
  gpu: Gpu,
  out: Tensor,
  inp: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  N: number,
  C: number,
  OC: number,
  batch = 1,
): Dispatch {
  checkArgs(
    'matmul_forward',
    { N, C, OC, batch },
    {
      out: [out, batch > 1 ? ['batch', 'N', 'OC'] : ['N', 'OC']],
      inp: [inp, batch > 1 ? ['batch', 'N', 'C'] : ['N', 'C']],
      weight: [weight, batch > 1 ? ['batch', 'OC', 'C'] : ['OC', 'C']],
      ...(bias ? { bias: [bias, ['OC']] as const } : {}),
    },
  );
  return gemm(gpu, out, inp, weight, bias, {
    M: N,
    N: OC,
    K: C,
    batch,
    transA: false,
    transB: true,
    accumulate: false,
  });
}

/** dinp[N, C] += dout[N, OC] · weight[OC, C]. */
export function matmulBackwardInput(
  gpu: Gpu,
  dinp: Tensor,
  dout: Tensor,
  weight: Tensor,
  N: number,
  C: number,
  OC: number,
  batch = 1,
): Dispatch {
  checkArgs(
    'matmul_backward_input',
    { N, C, OC, batch },
    {
      dinp: [dinp, batch > 1 ? ['batch', 'N', 'C'] : ['N', 'C']],
      dout: [dout, batch > 1 ? ['batch', 'N', 'OC'] : ['N', 'OC']],
      weight: [weight, batch > 1 ? ['batch', 'OC', 'C'] : ['OC', 'C']],
    },
  );
  return gemm(gpu, dinp, dout, weight, null, {
    M: N,
    N: C,
    K: OC,
    batch,
    transA: false,
    transB: false,
    accumulate: true,
  });
}

/** dweight[OC, C] += dout[N, OC]ᵀ · inp[N, C]. */
export function matmulBackwardWeight(
  gpu: Gpu,
  dweight: Tensor,
  dout: Tensor,
  inp: Tensor,
  N: number,
  C: number,
  OC: number,
  batch = 1,
): Dispatch {
  checkArgs(
    'matmul_backward_weight',
    { N, C, OC, batch },
    {
      dweight: [dweight, batch > 1 ? ['batch', 'OC', 'C'] : ['OC', 'C']],
      dout: [dout, batch > 1 ? ['batch', 'N', 'OC'] : ['N', 'OC']],
      inp: [inp, batch > 1 ? ['batch', 'N', 'C'] : ['N', 'C']],
    },
  );
  return gemm(gpu, dweight, dout, inp, null, {
    M: OC,
    N: C,
    K: N,
    batch,
    transA: true,
    transB: false,
    accumulate: true,
  });
}

/** dbias[OC] += Σ_n dout[n, OC] (over all N·batch rows). */
export function matmulBackwardBias(gpu: Gpu, dbias: Tensor, dout: Tensor, N: number, OC: number): Dispatch {
  checkArgs('matmul_backward_bias', { N, OC }, { dbias: [dbias, ['OC']], dout: [dout, ['N', 'OC']] });
  return gpu.dispatch(COLUMN_SUM, { ROWS: N, COLS: OC, ACCUMULATE: 1 }, [dbias, dout], [Math.ceil(OC / 64), 1, 1]);
}
