// Token + position embedding (llm.c's encoder_forward / encoder_backward):
//   forward   out[b, t, :] = wte[tokens[b, t], :] + wpe[pos, :],   pos = t, or positions[b, t] when given
//   backward  dwte[v, :] += Σ_{(b,t): tokens[b,t] = v} dout[b, t, :]
//             dwpe[p, :] += Σ_{(b,t): pos(b,t) = p} dout[b, t, :]                 (both ACCUMULATE)
// tokens and positions are u32 [B, T]; wte is [V, C], wpe [maxT, C].
// Deviation: ids are not validated (they live on the GPU): a token ≥ V is clamped to V − 1 and a
// position ≥ maxT to maxT − 1, in the forward and the backward alike, so nothing reads or writes out
// of bounds. Without `positions`, the launcher requires T ≤ maxT.
//
// The backward is a scatter-add without atomics, deterministic, and never loops over V:
//   1. encoder_backward_chain: for each row i, the next row with the same token and whether i is the
//      first (O((BT)²) integer work, no C factor);
//   2. encoder_backward_scatter: one thread per (first row, channel) walks its chain and adds once.
// The same two kernels handle positions when a positions tensor is given; with the default pos = t,
// encoder_backward_wpe sums over the batch directly. dwte and dwpe may be views of one buffer (the
// packed gradients): each dispatch binds only one of them.
// Scratch: `createEncoderBackward` allocates the chain tensor (u32 [2, B·T]) once and returns the
// recorder; `encoderBackward` is the one-shot form that allocates a fresh scratch tensor per call.

import { checkArgs } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import forwardWgsl from './encoder.wgsl?raw';
import chainWgsl from './encoder_backward_chain.wgsl?raw';
import scatterWgsl from './encoder_backward_scatter.wgsl?raw';
import wpeWgsl from './encoder_backward_wpe.wgsl?raw';

export const ENCODER_FORWARD = kernel('encoder_forward', forwardWgsl);
export const ENCODER_BACKWARD_CHAIN = kernel('encoder_backward_chain', chainWgsl);
export const ENCODER_BACKWARD_SCATTER = kernel('encoder_backward_scatter', scatterWgsl);
export const ENCODER_BACKWARD_WPE = kernel('encoder_backward_wpe', wpeWgsl);

const WG = 256;

function checkPositions(name: string, positions: Tensor | null, T: number, maxT: number): void {
  if (positions === null && T > maxT)
    throw new KernelError(`${name}: T=${T} exceeds maxT=${maxT} and no positions were given`);
}

/** out[B, T, C] = wte[tokens] + wpe[positions ?? t]. */
export function encoderForward(
  gpu: Gpu,
  out: Tensor,
  tokens: Tensor,
  positions: Tensor | null,
  wte: Tensor,
  wpe: Tensor,
  B: number,
  T: number,
  C: number,
  V: number,
  maxT: number,
): Dispatch {
  checkArgs(
    'encoder_forward',
    { B, T, C, V, maxT },
    {
      out: [out, ['B', 'T', 'C']],
      tokens: [tokens, ['B', 'T'], 'u32'],
      ...(positions ? { positions: [positions, ['B', 'T'], 'u32'] as const } : {}),
      wte: [wte, ['V', 'C']],
      wpe: [wpe, ['maxT', 'C']],
    },
  );
  checkPositions('encoder_forward', positions, T, maxT);
  return gpu.dispatch(
    ENCODER_FORWARD,
    { N: B * T, T, C, V, MAXT: maxT, HAS_POSITIONS: +(positions !== null) },
    [out, tokens, positions ?? gpu.placeholder, wte, wpe],
    grid1d(B * T * C, WG),
  );
}

function checkBackward(
  dwte: Tensor,
  dwpe: Tensor,
  dout: Tensor,
  tokens: Tensor,
  positions: Tensor | null,
  B: number,
  T: number,
  C: number,
  V: number,
  maxT: number,
): void {
  checkArgs(
    'encoder_backward',
    { B, T, C, V, maxT },
    {
      dwte: [dwte, ['V', 'C']],
      dwpe: [dwpe, ['maxT', 'C']],
      dout: [dout, ['B', 'T', 'C']],
      tokens: [tokens, ['B', 'T'], 'u32'],
      ...(positions ? { positions: [positions, ['B', 'T'], 'u32'] as const } : {}),
    },
  );
  checkPositions('encoder_backward', positions, T, maxT);
}

/** Records encoder_backward's dispatches: (dwte, dwpe, dout, tokens, positions) → Dispatch[]. */
export type EncoderBackward = (
  dwte: Tensor,
  dwpe: Tensor,
  dout: Tensor,
  tokens: Tensor,
  positions: Tensor | null,
) => Dispatch[];

/** Allocates encoder_backward's scratch (u32 [2, B·T]) once; the returned recorder reuses it. */
export function createEncoderBackward(
  gpu: Gpu,
  B: number,
  T: number,
  C: number,
  V: number,
  maxT: number,
): EncoderBackward {
  checkArgs('encoder_backward', { B, T, C, V, maxT }, {});
  const N = B * T;
  const chain = gpu.tensor('encoder_backward_chain', [2, N], 'u32');
  // dw[rows, C] += scatter of dout rows by keys (clamped to rows − 1)
  const scatter = (dw: Tensor, dout: Tensor, keys: Tensor, rows: number): Dispatch[] => [
    gpu.dispatch(ENCODER_BACKWARD_CHAIN, { N, ROWS: rows }, [chain, keys], grid1d(N, WG)),
    gpu.dispatch(ENCODER_BACKWARD_SCATTER, { N, C, ROWS: rows }, [dw, dout, keys, chain], grid1d(N * C, WG)),
  ];
  return (dwte, dwpe, dout, tokens, positions) => {
    checkBackward(dwte, dwpe, dout, tokens, positions, B, T, C, V, maxT);
    // forward was: out[b, t, :] = wte[tokens[b, t], :] + wpe[pos, :]; so now: scatter dout into both
    const dwpeDispatches = positions
      ? scatter(dwpe, dout, positions, maxT)
      : [gpu.dispatch(ENCODER_BACKWARD_WPE, { B, T, C }, [dwpe, dout], grid1d(T * C, WG))];
    return [...scatter(dwte, dout, tokens, V), ...dwpeDispatches];
  };
}

/** One-shot form of `createEncoderBackward` (allocates its scratch tensor on every call). */
export function encoderBackward(
  gpu: Gpu,
  dwte: Tensor,
  dwpe: Tensor,
  dout: Tensor,
  tokens: Tensor,
  positions: Tensor | null,
  B: number,
  T: number,
  C: number,
  V: number,
  maxT: number,
): Dispatch[] {
  checkBackward(dwte, dwpe, dout, tokens, positions, B, T, C, V, maxT);
  return createEncoderBackward(gpu, B, T, C, V, maxT)(dwte, dwpe, dout, tokens, positions);
}
