// Global L2 norm of the flat gradient buffer and the clip scale derived from it (llm.c's
// global_norm_squared + the clipping factor of its adamw step):
//   norm[0] = ‖grads‖₂ = √(Σ_i grads[i]²)
//   norm[1] = min(1, max_norm / (norm[0] + 1e-6))     (1 when max_norm ≤ 0: no clipping)
// adamw_update reads norm[1] and multiplies every gradient by it, so clipping needs no CPU round trip.
//
// Two kernels, no atomics, a fixed summation order (deterministic on every run of an adapter):
//   grad_norm         G = min(⌈P/256⌉, 1024) workgroups write partial sums of squares into scratch[G];
//   grad_norm_reduce  one workgroup sums scratch[G] and writes norm[2].
// The caller allocates scratch once with gradNormScratch(gpu, P) and the uniform once with
// gradNormParams(gpu), writes max_norm with setGradNorm whenever it changes, and records the two
// dispatches returned by gradNorm once. Sums of squares are f32: gradients beyond ~1e19 overflow to
// an infinite norm (then the clip scale is 0), as in llm.c.

import { checkArgs, checkScalar } from './check.ts';
import { kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import gradNormWgsl from './grad_norm.wgsl?raw';
import gradNormReduceWgsl from './grad_norm_reduce.wgsl?raw';

export const GRAD_NORM = kernel('grad_norm', gradNormWgsl);
export const GRAD_NORM_REDUCE = kernel('grad_norm_reduce', gradNormReduceWgsl);

const WG = 256;
const MAX_PARTIALS = 1024;

/** Number of partial sums (= workgroups of the first pass) for P gradient elements. */
export function gradNormPartials(P: number): number {
  return Math.min(Math.max(1, Math.ceil(P / WG)), MAX_PARTIALS);
}

/** The scratch tensor gradNorm needs for P elements; allocate once and reuse every step. */
export function gradNormScratch(gpu: Gpu, P: number): Tensor {
  return gpu.tensor('grad_norm partials', [gradNormPartials(P)]);
}

/** The uniform block of grad_norm_reduce: { max_norm: f32 }. Write it with setGradNorm. */
export function gradNormParams(gpu: Gpu): Tensor {
  return gpu.uniform('grad_norm params', 1);
}

/** Sets the clipping threshold; maxNorm ≤ 0 disables clipping (clip scale 1). */
export function setGradNorm(gpu: Gpu, params: Tensor, { maxNorm }: { maxNorm: number }): void {
  checkScalar('grad_norm', 'maxNorm', maxNorm, -Infinity);
  gpu.writeUniform(params, [[maxNorm, 'f32']]);
}

/** norm[0] = ‖grads[P]‖₂, norm[1] = clip scale. Two dispatches, to be run in order. */
export function gradNorm(
  gpu: Gpu,
  norm: Tensor,
  grads: Tensor,
  scratch: Tensor,
  params: Tensor,
  P: number,
): Dispatch[] {
  const G = gradNormPartials(P);
  checkArgs('grad_norm', { P, G }, { norm: [norm, [2]], grads: [grads, ['P']], scratch: [scratch, ['G']] });
  if (!params.uniform)
    throw new KernelError(`grad_norm: params must be the uniform from gradNormParams, got ${params}`);
  return [
    gpu.dispatch(GRAD_NORM, { P, G }, [scratch, grads], [G, 1, 1]),
    gpu.dispatch(GRAD_NORM_REDUCE, { G }, [norm, scratch, params], [1, 1, 1]),
  ];
}

// The global norm over several gradient buffers (a model's packed gradients and a head's): each
// buffer's partial sums go to its own 64-float-aligned slice of one scratch tensor (a storage view
// must start at a 256-byte boundary), the gaps between slices stay zero (never written), and one
// grad_norm_reduce sums the whole scratch. Same kernels, same fixed order.
const SLICE_ALIGN = 64;

function sliceOffsets(sizes: readonly number[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let at = 0;
  for (const P of sizes) {
    offsets.push(at);
    at += Math.ceil(gradNormPartials(P) / SLICE_ALIGN) * SLICE_ALIGN;
  }
  return { offsets, total: offsets.at(-1)! + gradNormPartials(sizes.at(-1)!) };
}

/** The scratch gradNormOver needs for buffers of these sizes; allocate once (zeroed) and reuse. */
export function gradNormScratchOver(gpu: Gpu, sizes: readonly number[]): Tensor {
  if (!sizes.length) throw new KernelError('grad_norm: no gradient buffers');
  return gpu.tensor('grad_norm partials', [sliceOffsets(sizes).total]);
}

/** norm[0] = ‖(grads₁, grads₂, …)‖₂ over every part, norm[1] = clip scale. Dispatches to run in order. */
export function gradNormOver(
  gpu: Gpu,
  norm: Tensor,
  parts: readonly { grads: Tensor; P: number }[],
  scratch: Tensor,
  params: Tensor,
): Dispatch[] {
  const { offsets, total } = sliceOffsets(parts.map((p) => p.P));
  checkArgs('grad_norm', { G: total }, { norm: [norm, [2]], scratch: [scratch, ['G']] });
  if (!params.uniform)
    throw new KernelError(`grad_norm: params must be the uniform from gradNormParams, got ${params}`);
  const firstPasses = parts.map(({ grads, P }, i) => {
    const G = gradNormPartials(P);
    checkArgs('grad_norm', { P }, { grads: [grads, ['P']] });
    return gpu.dispatch(
      GRAD_NORM,
      { P, G },
      [gpu.view(scratch, `grad_norm partials ${i}`, offsets[i], [G]), grads],
      [G, 1, 1],
    );
  });
  return [...firstPasses, gpu.dispatch(GRAD_NORM_REDUCE, { G: total }, [norm, scratch, params], [1, 1, 1])];
}
