// Token sampler: one token per row of logits[B, V] with temperature τ, top-k and a seeded
// counter-based RNG, written into the sequence buffer at pos, with its log-probability (PPO's old
// log-probs):
//   τ = 0          greedy: token = argmax (ties → lowest index), logp = 0 (the distribution is a point mass)
//   τ > 0          p_i = exp(x_i/τ) / Σ_{j∈A} exp(x_j/τ) for i ∈ A, else 0;  token ~ p;  logp = log p_token
//   A              all of [0, V) when topK = 0 or topK ≥ V; otherwise {i : x_i ≥ x_(k)} with x_(k) the
//                  k-th largest logit: ties at the threshold are all admitted, so |A| can exceed k.
//   u              = hash(seed, b, step) ∈ [0, 1) (PCG hash, see sample.wgsl / sampleUniformRef), token =
//                  the first i with Σ_{j≤i} p_j > u: the same seed and step give the same token every run.
//   writes         tokens[b·TT + pos] (u32 or i32 ids) and logp[b·TT + pos] (f32).
// pos, seed, step, τ and topK live in a uniform written by setSampling, so a decode loop only rewrites
// the uniform between steps; V and TT are overrides. One workgroup per row (B ≤ 65535).

import { checkArgs, checkScalar } from './check.ts';
import { kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import sampleWgsl from './sample.wgsl?raw';

export const SAMPLE = kernel('sample', sampleWgsl);

export interface SamplingParams {
  /** τ ≥ 0; 0 means greedy argmax */
  temperature: number;
  /** keep only the topK largest logits; 0 means no top-k */
  topK: number;
  /** RNG seed (u32) */
  seed: number;
  /** RNG counter, e.g. the decode step (u32): change it between draws */
  step: number;
  /** column of tokens / logp to write, in [0, TT) */
  pos: number;
}

/** The uniform block sample reads (5 words). Allocate once; write with setSampling before each draw. */
export function samplerParams(gpu: Gpu): Tensor {
  return gpu.uniform('sample params', 5);
}

/** Writes τ, top-k, seed, step and pos. A pos ≥ TT makes the kernel write nothing. */
export function setSampling(gpu: Gpu, params: Tensor, { temperature, topK, seed, step, pos }: SamplingParams): void {
  checkScalar('sample', 'temperature', temperature, 0);
  for (const [name, value] of [
    ['topK', topK],
    ['seed', seed],
    ['step', step],
    ['pos', pos],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new KernelError(`sample: ${name} must be an integer in [0, 2^32), got ${value}`);
    }
  }
  gpu.writeUniform(params, [
    [temperature, 'f32'],
    [topK, 'u32'],
    [seed, 'u32'],
    [step, 'u32'],
    [pos, 'u32'],
  ]);
}

/** tokens[b·TT + pos], logp[b·TT + pos] ← one draw from each row of logits[B, V]. */
export function samplerForward(
  gpu: Gpu,
  tokens: Tensor,
  logp: Tensor,
  logits: Tensor,
  params: Tensor,
  B: number,
  V: number,
  TT: number,
): Dispatch {
  checkArgs(
    'sample',
    { B, V, TT },
    {
      tokens: [tokens, ['B', 'TT'], tokens.dtype === 'i32' ? 'i32' : 'u32'],
      logp: [logp, ['B', 'TT']],
      logits: [logits, ['B', 'V']],
    },
  );
  if (!params.uniform) throw new KernelError(`sample: params must be the uniform from samplerParams, got ${params}`);
  if (B > 65535) throw new KernelError(`sample: B=${B} rows exceed 65535 workgroups`);
  return gpu.dispatch(SAMPLE, { V, TT }, [tokens, logp, logits, params], [B, 1, 1]);
}
