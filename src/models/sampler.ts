// Batched autoregressive sampling with a KV cache, on the GPU (llm.c's gpt2 inference loop, one token per
// step for B sequences at once).
//
// Built once for a model (its Weights), a batch size B and a maximum total length Tmax ≤ maxSeqLen: the
// caches kcache/vcache[B,NH,Tmax,hs] per layer, one-token activations [B,C] (one set, reused by every
// layer: each dispatch reads buffers other than the one it writes), and the dispatches of one decode step,
// recorded once:
//   sampler_next     cur[b] = tokens[b, pos], positions[b] = pos − start[b]     (the input stays on the GPU)
//   encoder          x = wte[cur] + wpe[positions]
//   L × block        ln1 → qkv → attention_decode (append k, v at pos; attend over start[b]..pos) → c_proj
//                    → residual → ln2 → c_fc → gelu → c_proj → residual
//   head             ln_f → logits[B,V] = lnf · wteᵀ → sample: tokens[b, pos+1], logp[b, pos+1]
// A step rewrites two uniforms (pos; sampling parameters) and replays the list as one submit: it allocates
// nothing and reads nothing back.
//
// Prompts of different lengths are left-padded to a common length P: sequence b occupies columns
// start[b] = P − len_b .. of the [B, Tmax] token buffer and its positions start at 0 at its first real
// token; attention masks keys before start[b], so padding changes nothing. Prefill is teacher-forced: the
// same decode step runs at positions 0..P−2 without the head (the prompt is already in the token buffer,
// so nothing has to be written back), and the head runs from pos = P−1 on, sampling column pos+1.
//
// Stops: a stop token ends a sequence and is kept in the output (it is the policy's action, PPO needs its
// log-probability); a stop sequence (e.g. the tokens of "\n\nHuman:") ends it when the generated tail equals
// it and is removed from the output, with its log-probabilities; `stopReason` and `stopSequence` say which
// ended each sequence (PPO trains on the removed stop sequence too). Checking needs the tokens on the CPU: the
// token buffer (B·Tmax u32) is read back every `readEvery` sampled steps (default 8) and once at the end,
// plus one read of the log-probabilities at the end; sequences that have ended keep being computed until
// the next read (their extra tokens are ignored), and the loop stops early once every sequence has ended.
//
// RNG: the sampler kernel hashes (seed, row b, step = column written), so the same seed, prompts (same
// batch rows, same padding) and adapter give the same tokens; the same prompt in another row draws
// differently. Greedy decoding (temperature 0) is row-independent, and its logprobs are 0 (sample.ts).

import { attentionDecode, attentionDecodeParams, setDecodePosition } from '../kernels/attention.ts';
import { encoderForward } from '../kernels/encoder.ts';
import { geluForward } from '../kernels/gelu.ts';
import { kernel, KernelError, type Dispatch, type Gpu, type Tensor } from '../kernels/gpu.ts';
import { layernormForward } from '../kernels/layernorm.ts';
import { matmulForward } from '../kernels/matmul.ts';
import { residualForward } from '../kernels/residual.ts';
import { samplerForward, samplerParams, setSampling } from '../kernels/sample.ts';
import type { GPTConfig } from './config.ts';
import nextWgsl from '../kernels/sampler_next.wgsl?raw';
import type { Weights } from './weights.ts';

export const SAMPLER_NEXT = kernel('sampler_next', nextWgsl);

export interface GenerateOptions {
  /** Most tokens generated per sequence (also bounded by Tmax − P). */
  maxTokens: number;
  /** τ ≥ 0; 0 is greedy argmax (logprobs are then 0). */
  temperature: number;
  /** Keep only the topK largest logits; 0 means all. */
  topK: number;
  /** RNG seed (u32). */
  seed: number;
  /** Tokens that end a sequence (kept in the output), e.g. end-of-text. */
  stopTokens?: number[];
  /** Token sequences that end a sequence when the generated tail equals them (removed from the output). */
  stopSequences?: number[][];
  /** Read the token buffer back every this many sampled steps to check for stops (default 8). */
  readEvery?: number;
}

export interface Generation {
  /** The generated continuation of each prompt (without the prompt, without a matched stop sequence). */
  tokens: number[][];
  /** log p of each generated token under the sampling distribution (temperature, top-k). */
  logprobs: number[][];
  /** True where a stop token or stop sequence ended the sequence; false at maxTokens or Tmax. */
  ended: boolean[];
  /** What ended each sequence: a stop token (kept in `tokens`), a stop sequence (removed), or the length limit. */
  stopReason: StopReason[];
  /** Which stop sequence ended each sequence (its index in `stopSequences`), −1 where none did. */
  stopSequence: number[];
}

/** 'token': a stop token ended the sequence; 'sequence': a stop sequence did; 'length': maxTokens or Tmax. */
export type StopReason = 'token' | 'sequence' | 'length';

export class Sampler {
  readonly cfg: GPTConfig;
  /** Prompt and sampled tokens [B, Tmax] (u32), left-padded; log-probabilities of sampled ones [B, Tmax]. */
  readonly tokens: Tensor;
  readonly logp: Tensor;
  /** First real column of each sequence [B] (u32). */
  readonly start: Tensor;
  /** Per layer kcache, vcache [B, NH, Tmax, hs]. */
  readonly kcache: Tensor[] = [];
  readonly vcache: Tensor[] = [];
  /** One decode step without the head (prefill), and the full step (trunk + head + sample). */
  readonly trunkDispatches: Dispatch[] = [];
  readonly stepDispatches: Dispatch[] = [];

  private readonly gpu: Gpu;
  private readonly decodeParams: Tensor;
  private readonly sampleParams: Tensor;

  constructor(
    readonly weights: Weights,
    readonly B: number,
    readonly Tmax: number,
  ) {
    const gpu = (this.gpu = weights.gpu.scope(`sampler ${B}x${Tmax}`));
    const cfg = (this.cfg = weights.cfg);
    const { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH, channels: C } = cfg;
    if (!Number.isInteger(B) || B < 1) throw new KernelError(`Sampler: B must be a positive integer, got ${B}`);
    if (!Number.isInteger(Tmax) || Tmax < 1 || Tmax > maxT) {
      throw new KernelError(`Sampler: Tmax=${Tmax} must be an integer in [1, maxSeqLen=${maxT}]`);
    }
    const hs = C / NH;
    const act = (name: string, shape: number[], dtype: 'f32' | 'u32' = 'f32') =>
      gpu.tensor(`sampler.${name}`, shape, dtype);
    this.tokens = act('tokens', [B, Tmax], 'u32');
    this.logp = act('logp', [B, Tmax]);
    this.start = act('start', [B], 'u32');
    const cur = act('cur', [B, 1], 'u32');
    const positions = act('positions', [B, 1], 'u32');
    for (let l = 0; l < L; l++) {
      this.kcache.push(act(`h${l}.kcache`, [B, NH, Tmax, hs]));
      this.vcache.push(act(`h${l}.vcache`, [B, NH, Tmax, hs]));
    }
    const encoded = act('encoded', [B, C]);
    const ln1 = act('ln1', [B, C]);
    const qkv = act('qkv', [B, 3 * C]);
    const atty = act('atty', [B, C]);
    const attproj = act('attproj', [B, C]);
    const residual2 = act('residual2', [B, C]);
    const ln2 = act('ln2', [B, C]);
    const fch = act('fch', [B, 4 * C]);
    const fchGelu = act('fch_gelu', [B, 4 * C]);
    const fcproj = act('fcproj', [B, C]);
    const residual3 = act('residual3', [B, C]);
    const mean = act('ln_mean', [B]);
    const rstd = act('ln_rstd', [B]);
    const lnf = act('lnf', [B, C]);
    const logits = act('logits', [B, V]);
    this.decodeParams = attentionDecodeParams(gpu);
    this.sampleParams = samplerParams(gpu);
    const P = (s: string) => weights.get(s);

    const trunk = this.trunkDispatches;
    trunk.push(
      gpu.dispatch(
        SAMPLER_NEXT,
        { B, TMAX: Tmax },
        [cur, positions, this.tokens, this.start, this.decodeParams],
        [Math.ceil(B / 64), 1, 1],
      ),
      encoderForward(
        gpu,
        encoded,
        cur,
        positions,
        P('transformer.wte.weight'),
        P('transformer.wpe.weight'),
        B,
        1,
        C,
        V,
        maxT,
      ),
    );
    for (let l = 0; l < L; l++) {
      const h = `transformer.h.${l}`;
      const residual = l === 0 ? encoded : residual3;
      trunk.push(
        layernormForward(gpu, ln1, mean, rstd, residual, P(`${h}.ln_1.weight`), P(`${h}.ln_1.bias`), B, C),
        matmulForward(gpu, qkv, ln1, P(`${h}.attn.c_attn.weight`), P(`${h}.attn.c_attn.bias`), B, C, 3 * C),
        ...attentionDecode(
          gpu,
          atty,
          this.kcache[l],
          this.vcache[l],
          qkv,
          this.start,
          this.decodeParams,
          B,
          C,
          NH,
          Tmax,
        ),
        matmulForward(gpu, attproj, atty, P(`${h}.attn.c_proj.weight`), P(`${h}.attn.c_proj.bias`), B, C, C),
        residualForward(gpu, residual2, residual, attproj, B * C),
        layernormForward(gpu, ln2, mean, rstd, residual2, P(`${h}.ln_2.weight`), P(`${h}.ln_2.bias`), B, C),
        matmulForward(gpu, fch, ln2, P(`${h}.mlp.c_fc.weight`), P(`${h}.mlp.c_fc.bias`), B, C, 4 * C),
        geluForward(gpu, fchGelu, fch, B * 4 * C),
        matmulForward(gpu, fcproj, fchGelu, P(`${h}.mlp.c_proj.weight`), P(`${h}.mlp.c_proj.bias`), B, 4 * C, C),
        residualForward(gpu, residual3, residual2, fcproj, B * C),
      );
    }
    this.stepDispatches.push(
      ...trunk,
      layernormForward(
        gpu,
        lnf,
        mean,
        rstd,
        L === 0 ? encoded : residual3,
        P('transformer.ln_f.weight'),
        P('transformer.ln_f.bias'),
        B,
        C,
      ),
      matmulForward(gpu, logits, lnf, P('transformer.wte.weight'), null, B, C, V),
      samplerForward(gpu, this.tokens, this.logp, logits, this.sampleParams, B, V, Tmax),
    );
  }

  /**
   * Generates a continuation of each prompt (at most B prompts, each 1..Tmax tokens; rows beyond the
   * prompts run a one-token dummy and are dropped).
   */
  /** Destroys the sampler's caches and activations (not the weights it samples from). */
  dispose(): void {
    this.gpu.dispose();
  }

  async generate(prompts: number[][], opts: GenerateOptions): Promise<Generation> {
    const { gpu, B, Tmax } = this;
    const V = this.cfg.vocabSize;
    const { maxTokens, temperature, topK, seed, stopTokens = [], stopSequences = [], readEvery = 8 } = opts;
    // 0. checks
    if (prompts.length < 1 || prompts.length > B)
      throw new KernelError(`Sampler.generate: got ${prompts.length} prompts, this sampler holds 1..${B}`);
    prompts.forEach((p, b) => {
      if (p.length < 1) throw new KernelError(`Sampler.generate: prompt ${b} is empty (start it with end-of-text)`);
      if (p.length > Tmax)
        throw new KernelError(
          `Sampler.generate: prompt ${b} has ${p.length} tokens, longer than the sampler's Tmax=${Tmax}`,
        );
      for (const t of p)
        if (!Number.isInteger(t) || t < 0 || t >= V)
          throw new KernelError(`Sampler.generate: prompt ${b} holds token ${t}, outside [0, ${V})`);
    });
    if (!Number.isInteger(maxTokens) || maxTokens < 0)
      throw new KernelError(`Sampler.generate: maxTokens must be a non-negative integer, got ${maxTokens}`);
    if (!Number.isInteger(readEvery) || readEvery < 1)
      throw new KernelError(`Sampler.generate: readEvery must be a positive integer, got ${readEvery}`);
    if (stopSequences.some((s) => s.length === 0)) throw new KernelError('Sampler.generate: a stop sequence is empty');
    const n = prompts.length;
    const P = Math.max(...prompts.map((p) => p.length));
    const limit = Math.min(maxTokens, Tmax - P);
    const out: number[][] = prompts.map(() => []);
    const ended = prompts.map(() => false);
    const stopReason = prompts.map((): StopReason => 'length');
    const stopSequence = prompts.map(() => -1);
    if (limit === 0) return { tokens: out, logprobs: prompts.map(() => []), ended, stopReason, stopSequence };

    // 1. left-padded prompts into the token buffer (one write; dummy rows hold one token at P − 1)
    const padded = new Uint32Array(B * Tmax);
    const start = new Uint32Array(B).fill(P - 1);
    prompts.forEach((p, b) => {
      start[b] = P - p.length;
      padded.set(p, b * Tmax + start[b]);
    });
    gpu.write(this.tokens, padded);
    gpu.write(this.start, start);

    // 2. decode loop: prefill (trunk only) to P − 2, then sample columns P .. P + limit − 1
    const stops = new Set(stopTokens);
    const done = prompts.map(() => false);
    const scanned = prompts.map(() => 0); // generated tokens already checked per sequence
    const scan = (toks: Uint32Array, written: number) => {
      for (let b = 0; b < n; b++) {
        for (; !done[b] && scanned[b] < written; scanned[b]++) {
          const o = out[b];
          const t = toks[b * Tmax + P + scanned[b]];
          o.push(t);
          const k = stopSequences.findIndex(
            (s) => s.length <= o.length && s.every((x, i) => o[o.length - s.length + i] === x),
          );
          if (stops.has(t)) stopReason[b] = 'token';
          else if (k >= 0) {
            o.length -= stopSequences[k].length;
            stopReason[b] = 'sequence';
            stopSequence[b] = k;
          }
          ended[b] = stopReason[b] !== 'length';
          done[b] = ended[b] || o.length >= limit;
        }
      }
      return done.every(Boolean);
    };
    let sampled = 0;
    for (let pos = 0; pos < P - 1 + limit; pos++) {
      setDecodePosition(gpu, this.decodeParams, pos, Tmax);
      if (pos < P - 1) {
        gpu.run(this.trunkDispatches, 'sampler prefill');
        continue;
      }
      setSampling(gpu, this.sampleParams, { temperature, topK, seed, step: pos + 1, pos: pos + 1 });
      gpu.run(this.stepDispatches, 'sampler step');
      sampled++;
      if (sampled % readEvery === 0 || sampled === limit) {
        if (scan((await gpu.read(this.tokens)) as Uint32Array, sampled)) break;
      }
    }

    // 3. log-probabilities of the kept tokens (one read)
    const logp = await gpu.read(this.logp);
    const logprobs = out.map((o, b) => Array.from(logp.subarray(b * Tmax + P, b * Tmax + P + o.length)));
    return { tokens: out, logprobs, ended, stopReason, stopSequence };
  }
}
