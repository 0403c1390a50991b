// Launchers for fused causal multi-head self-attention (llm.c's attention_forward / attention_backward,
// FlashAttention-style: the T×T attention matrix is never stored).
//   qkv[B,T,3C]: per token q (first C), k (next C), v (last C); inside each C the heads are [NH, hs],
//   hs = C/NH ≤ 128; out[B,T,C] has the same head layout; scale = 1/√hs.
//   forward   s[t,t2] = scale·q[t]·k[t2] (start[b] ≤ t2 ≤ t), p = softmax_t2(s), out[t] = Σ p·v[t2],
//             lse[B,NH,T] = log Σ_t2 exp(s[t,t2]), saved for backward instead of p.
//   backward  p = exp(s − lse), D[t] = Σ_d dout[t,d]·out[t,d], ds = p·(dp − D) with dp = dout[t]·v[t2];
//             dqkv += (dq = scale·Σ_t2 ds·k, dk = scale·Σ_t ds·q, dv = Σ_t p·dout)   (accumulates)
//   start[B] (u32, optional): keys t2 < start[b] are masked (left-padded batches); rows t < start[b]
//             output zeros (lse 0) and get zero gradient.
// Decoding (sampling) keeps kcache/vcache[B,NH,Tmax,hs]: attention_decode appends the new token's k, v
// at position `pos` (a uniform, so one pipeline serves every step) and attends its query over keys
// start[b]..pos; kv_cache_fill copies a prompt's k, v (positions 0..T-1) into the caches.

import { checkArgs, checkScalar, type Spec } from './check.ts';
import { grid1d, kernel, KernelError, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import forwardWgsl from './attention.wgsl?raw';
import backwardDqWgsl from './attention_backward_dq.wgsl?raw';
import backwardDkvWgsl from './attention_backward_dkv.wgsl?raw';
import appendWgsl from './attention_decode_append.wgsl?raw';
import decodeWgsl from './attention_decode.wgsl?raw';
import fillWgsl from './attention_kv_cache_fill.wgsl?raw';

export const ATTENTION = kernel('attention', forwardWgsl);
export const ATTENTION_BACKWARD_DQ = kernel('attention_backward_dq', backwardDqWgsl);
export const ATTENTION_BACKWARD_DKV = kernel('attention_backward_dkv', backwardDkvWgsl);
export const ATTENTION_DECODE_APPEND = kernel('attention_decode_append', appendWgsl);
export const ATTENTION_DECODE = kernel('attention_decode', decodeWgsl);
export const KV_CACHE_FILL = kernel('kv_cache_fill', fillWgsl);

/** The largest head size the kernels' per-thread accumulators hold. */
export const MAX_HEAD_SIZE = 128;
const ROWS = 64; // query (or key) rows per workgroup in forward and backward
const TILE = 1920; // floats per shared tile (attention*.wgsl's TILE)

/** hs = C/NH, checked to be an integer ≤ MAX_HEAD_SIZE. */
function headSize(name: string, C: number, NH: number): number {
  if (!Number.isInteger(NH) || NH < 1) throw new KernelError(`${name}: NH must be a positive integer, got ${NH}`);
  const hs = C / NH;
  if (!Number.isInteger(hs)) throw new KernelError(`${name}: C=${C} is not a multiple of NH=${NH}`);
  if (hs > MAX_HEAD_SIZE)
    throw new KernelError(`${name}: head size C/NH = ${hs} exceeds the supported maximum ${MAX_HEAD_SIZE}`);
  return hs;
}

/** Rows of K/V (or Q/dout) per shared tile: at most 32, and tile·hs ≤ TILE. */
function tileRows(hs: number): number {
  return Math.min(32, Math.floor(TILE / hs));
}

/** The checkArgs entry of the optional start[B] (u32), none when absent. */
function startSpec(start: Tensor | null): Record<string, Spec> {
  return start ? { start: [start, ['B'], 'u32'] } : {};
}

/** out[B,T,C], lse[B,NH,T] = causal self-attention of qkv[B,T,3C]; start[B] (u32) may be null. */
export function attentionForward(
  gpu: Gpu,
  out: Tensor,
  lse: Tensor,
  qkv: Tensor,
  start: Tensor | null,
  B: number,
  T: number,
  C: number,
  NH: number,
): Dispatch {
  const name = 'attention_forward';
  checkArgs(
    name,
    { B, T, C, NH, C3: 3 * C },
    { out: [out, ['B', 'T', 'C']], lse: [lse, ['B', 'NH', 'T']], qkv: [qkv, ['B', 'T', 'C3']], ...startSpec(start) },
  );
  const HS = headSize(name, C, NH);
  return gpu.dispatch(
    ATTENTION,
    { C, NH, HS, BK: tileRows(HS), HAS_START: +(start !== null) },
    [out, lse, qkv, start ?? gpu.placeholder, gpu.uniformValues([T])],
    [Math.ceil(T / ROWS), NH, B],
  );
}

/** dqkv[B,T,3C] += gradient of attention_forward given dout[B,T,C] and the forward's out and lse. */
export function attentionBackward(
  gpu: Gpu,
  dqkv: Tensor,
  dout: Tensor,
  qkv: Tensor,
  out: Tensor,
  lse: Tensor,
  start: Tensor | null,
  B: number,
  T: number,
  C: number,
  NH: number,
): Dispatch[] {
  const name = 'attention_backward';
  checkArgs(
    name,
    { B, T, C, NH, C3: 3 * C },
    {
      dqkv: [dqkv, ['B', 'T', 'C3']],
      dout: [dout, ['B', 'T', 'C']],
      qkv: [qkv, ['B', 'T', 'C3']],
      out: [out, ['B', 'T', 'C']],
      lse: [lse, ['B', 'NH', 'T']],
      ...startSpec(start),
    },
  );
  const HS = headSize(name, C, NH);
  const common = { C, NH, HS, HAS_START: +(start !== null) };
  const bindings = [dqkv, dout, qkv, out, lse, start ?? gpu.placeholder, gpu.uniformValues([T])];
  const grid = [Math.ceil(T / ROWS), NH, B];
  return [
    gpu.dispatch(ATTENTION_BACKWARD_DQ, { ...common, BK: tileRows(HS) }, bindings, grid),
    gpu.dispatch(ATTENTION_BACKWARD_DKV, { ...common, BQ: tileRows(HS) }, bindings, grid),
  ];
}

/** The uniform block attention_decode reads its position from (one u32: pos). */
export function attentionDecodeParams(gpu: Gpu): Tensor {
  return gpu.uniform('attention_decode params', 1);
}

/** Sets the position the next attention_decode step writes and attends at (0 ≤ pos < Tmax). */
export function setDecodePosition(gpu: Gpu, params: Tensor, pos: number, Tmax = Infinity): void {
  if (!Number.isInteger(pos)) throw new KernelError(`attention_decode: pos must be an integer, got ${pos}`);
  checkScalar('attention_decode', 'pos', pos, 0, Tmax - 1);
  gpu.writeUniform(params, [[pos, 'u32']]);
}

/**
 * One sampling step: writes qkvNew[B,3C]'s k, v into kcache/vcache[B,NH,Tmax,hs] at position params.pos,
 * then out[B,C] = attention of qkvNew's query over keys start[b]..pos. Two dispatches, in this order.
 */
export function attentionDecode(
  gpu: Gpu,
  out: Tensor,
  kcache: Tensor,
  vcache: Tensor,
  qkvNew: Tensor,
  start: Tensor | null,
  params: Tensor,
  B: number,
  C: number,
  NH: number,
  Tmax: number,
): Dispatch[] {
  const name = 'attention_decode';
  const HS = headSize(name, C, NH);
  checkArgs(
    name,
    { B, C, NH, Tmax, C3: 3 * C, hs: HS },
    {
      out: [out, ['B', 'C']],
      kcache: [kcache, ['B', 'NH', 'Tmax', 'hs']],
      vcache: [vcache, ['B', 'NH', 'Tmax', 'hs']],
      qkvNew: [qkvNew, ['B', 'C3']],
      ...startSpec(start),
    },
  );
  if (!params.uniform)
    throw new KernelError(`${name}: params must be the uniform from attentionDecodeParams, got ${params}`);
  return [
    gpu.dispatch(
      ATTENTION_DECODE_APPEND,
      { B, C, HS, TMAX: Tmax },
      [kcache, vcache, qkvNew, params],
      grid1d(B * C, 64),
    ),
    gpu.dispatch(
      ATTENTION_DECODE,
      { C, NH, HS, TMAX: Tmax, HAS_START: +(start !== null) },
      [out, kcache, vcache, qkvNew, start ?? gpu.placeholder, params],
      [NH, B, 1],
    ),
  ];
}

/** kcache/vcache[B,NH,Tmax,hs][:, :, 0..T-1] = the k and v of qkv[B,T,3C] (T ≤ Tmax). */
export function kvCacheFill(
  gpu: Gpu,
  kcache: Tensor,
  vcache: Tensor,
  qkv: Tensor,
  B: number,
  T: number,
  C: number,
  NH: number,
  Tmax: number,
): Dispatch {
  const name = 'kv_cache_fill';
  const HS = headSize(name, C, NH);
  checkArgs(
    name,
    { B, T, C, NH, Tmax, C3: 3 * C, hs: HS },
    {
      kcache: [kcache, ['B', 'NH', 'Tmax', 'hs']],
      vcache: [vcache, ['B', 'NH', 'Tmax', 'hs']],
      qkv: [qkv, ['B', 'T', 'C3']],
    },
  );
  if (T > Tmax) throw new KernelError(`${name}: T=${T} does not fit the cache's Tmax=${Tmax}`);
  return gpu.dispatch(KV_CACHE_FILL, { B, T, C, HS, TMAX: Tmax }, [kcache, vcache, qkv], grid1d(B * T * C, 64));
}
