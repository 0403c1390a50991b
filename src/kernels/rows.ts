// Launchers for reading one row per sequence out of a [B, T, C] activation and sending its gradient
// back (the reward head reads the final layer norm at each sequence's end-of-context token):
//   gather_rows            out[b, :] = inp[b, index[b], :]        out [B, C], inp [B, T, C], index u32 [B]
//   scatter_rows backward  dinp[b, index[b], :] += dout[b, :]     (accumulates; the caller zeroes dinp)
// Deviation: an index ≥ T is clamped to T − 1 (the last position) in both kernels, on the GPU and in
// rows.ref.ts, so a bad index can never read or write outside the tensor.

import { checkArgs } from './check.ts';
import { grid1d, kernel, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import gatherRowsWgsl from './gather_rows.wgsl?raw';
import scatterRowsWgsl from './scatter_rows.wgsl?raw';

export const GATHER_ROWS = kernel('gather_rows', gatherRowsWgsl);
export const SCATTER_ROWS = kernel('scatter_rows', scatterRowsWgsl);

const WG = 256;

/** out[B, C] = inp[b, min(index[b], T − 1), :] for inp [B, T, C] and index u32 [B]. */
export function gatherRows(
  gpu: Gpu,
  out: Tensor,
  inp: Tensor,
  index: Tensor,
  B: number,
  T: number,
  C: number,
): Dispatch {
  checkArgs(
    'gather_rows',
    { B, T, C },
    {
      out: [out, ['B', 'C']],
      inp: [inp, ['B', 'T', 'C']],
      index: [index, ['B'], 'u32'],
    },
  );
  return gpu.dispatch(GATHER_ROWS, { B, T, C }, [out, inp, index], grid1d(B * C, WG));
}

/** dinp[b, min(index[b], T − 1), :] += dout[b, :] for dinp [B, T, C], dout [B, C], index u32 [B]. */
export function scatterRowsBackward(
  gpu: Gpu,
  dinp: Tensor,
  dout: Tensor,
  index: Tensor,
  B: number,
  T: number,
  C: number,
): Dispatch {
  checkArgs(
    'scatter_rows_backward',
    { B, T, C },
    {
      dinp: [dinp, ['B', 'T', 'C']],
      dout: [dout, ['B', 'C']],
      index: [index, ['B'], 'u32'],
    },
  );
  return gpu.dispatch(SCATTER_ROWS, { B, T, C }, [dinp, dout, index], grid1d(B * C, WG));
}
