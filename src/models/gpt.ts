// GPT-2 on the WGSL engine: forward, language-model loss and backward for a fixed batch B×T, composed
// from the kernels exactly as llm.c's gpt2_forward / gpt2_backward compose theirs.
//
// Parameters and their gradients are each one packed allocation (params.ts); activations are separate
// buffers (WebGPU tracks usage per buffer, so a kernel may not read one part of a buffer while writing
// another). Every dispatch is recorded once at construction: a training step replays the lists and
// allocates nothing.

import type { Dispatch, Gpu, Tensor } from '../kernels/gpu.ts';
import { attentionBackward, attentionForward } from '../kernels/attention.ts';
import { crossentropyBackward, crossentropyForward } from '../kernels/crossentropy.ts';
import { createEncoderBackward, encoderForward } from '../kernels/encoder.ts';
import { fill } from '../kernels/fill.ts';
import { geluBackward, geluForward } from '../kernels/gelu.ts';
import { layernormBackward, layernormForward } from '../kernels/layernorm.ts';
import { lossWeights, maskedMean } from '../kernels/masked_mean.ts';
import { matmulBackwardBias, matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../kernels/matmul.ts';
import { addInPlace, residualForward } from '../kernels/residual.ts';
import type { GPTConfig } from './config.ts';
import type { ParamTable } from './params.ts';
import { Weights } from './weights.ts';

/** Activations of one transformer block (llm.c's ActivationTensors, per layer). */
interface Block {
  ln1: Tensor;
  ln1Mean: Tensor;
  ln1Rstd: Tensor;
  qkv: Tensor;
  atty: Tensor;
  lse: Tensor;
  attproj: Tensor;
  residual2: Tensor;
  ln2: Tensor;
  ln2Mean: Tensor;
  ln2Rstd: Tensor;
  fch: Tensor;
  fchGelu: Tensor;
  fcproj: Tensor;
  residual3: Tensor;
}

export interface GPTGraphOptions {
  /** Build the tied language-model head: logits, cross-entropy loss and its backward (default true). */
  lmHead?: boolean;
  /** Build the backward pass and the gradients (default true). */
  backward?: boolean;
}

export class GPT {
  readonly table: ParamTable;
  /** The parameters (shared with other graphs of the same model) and their packed gradients. */
  readonly weights: Weights;
  readonly params: Tensor;
  /** Token ids [B, T], next-token targets [B, T] and the loss mask [B, T] (1 = counted). */
  readonly tokens: Tensor;
  readonly targets: Tensor;
  readonly mask: Tensor;
  /** Mean masked cross-entropy [1]; per-token losses [B, T]; logits [B, T, V]. */
  readonly loss: Tensor;
  readonly losses: Tensor;
  /** The final layer norm's output [B, T, C]: what reward and value heads read. */
  readonly lnf: Tensor;
  readonly lmHead: boolean;
  readonly hasBackward: boolean;

  readonly forwardDispatches: Dispatch[] = [];
  readonly lossDispatches: Dispatch[] = [];
  /** Language-model backward: adds this batch's gradients into `grads`. */
  readonly backwardDispatches: Dispatch[] = [];
  /** Trunk backward only, from whatever a head left in dlnf (reward / value heads). */
  readonly trunkBackwardDispatches: Dispatch[] = [];

  private readonly g = new Map<string, Tensor>();
  /** The residual stream [B, T, C] at each depth: 0 the embeddings, l = 1..L after block l. */
  private readonly stream: Tensor[];
  private readonly built: { grads?: Tensor; dlnf?: Tensor; logits?: Tensor; zeroGrads?: Dispatch } = {};

  readonly gpu: Gpu;

  constructor(
    parent: Gpu,
    readonly cfg: GPTConfig,
    readonly B: number,
    readonly T: number,
    weights?: Weights,
    opts: GPTGraphOptions = {},
  ) {
    const { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH, channels: C } = cfg;
    const BT = B * T;
    if (T > maxT) throw new Error(`GPT: sequence length T=${T} exceeds the model's maxSeqLen ${maxT}`);
    const gpu = (this.gpu = parent.scope(`gpt ${B}x${T}`));
    this.weights = weights ?? new Weights(gpu, cfg);
    this.table = this.weights.table;
    this.params = this.weights.packed;
    this.lmHead = opts.lmHead ?? true;
    this.hasBackward = opts.backward ?? true;
    const act = (name: string, shape: number[], dtype: 'f32' | 'u32' = 'f32') => gpu.tensor(name, shape, dtype);
    this.tokens = act('tokens', [B, T], 'u32');
    this.targets = act('targets', [B, T], 'u32');
    this.mask = act('mask', [B, T]);
    const encoded = act('encoded', [B, T, C]);
    const blocks: Block[] = [];
    for (let l = 0; l < L; l++) {
      const n = (s: string) => `h${l}.${s}`;
      blocks.push({
        ln1: act(n('ln1'), [B, T, C]),
        ln1Mean: act(n('ln1_mean'), [BT]),
        ln1Rstd: act(n('ln1_rstd'), [BT]),
        qkv: act(n('qkv'), [B, T, 3 * C]),
        atty: act(n('atty'), [B, T, C]),
        lse: act(n('att_lse'), [B, NH, T]),
        attproj: act(n('attproj'), [B, T, C]),
        residual2: act(n('residual2'), [B, T, C]),
        ln2: act(n('ln2'), [B, T, C]),
        ln2Mean: act(n('ln2_mean'), [BT]),
        ln2Rstd: act(n('ln2_rstd'), [BT]),
        fch: act(n('fch'), [B, T, 4 * C]),
        fchGelu: act(n('fch_gelu'), [B, T, 4 * C]),
        fcproj: act(n('fcproj'), [B, T, C]),
        residual3: act(n('residual3'), [B, T, C]),
      });
    }
    this.stream = [encoded, ...blocks.map((b) => b.residual3)];
    this.lnf = act('lnf', [B, T, C]);
    const lnfMean = act('lnf_mean', [BT]);
    const lnfRstd = act('lnf_rstd', [BT]);
    this.losses = act('losses', [BT]);
    this.loss = act('loss', [1]);
    const P = (s: string) => this.weights.get(s);
    const G = (s: string) => this.g.get(s)!;

    // ---- forward (llm.c gpt2_forward) ----
    const fwd = this.forwardDispatches;
    fwd.push(
      encoderForward(
        gpu,
        encoded,
        this.tokens,
        null,
        P('transformer.wte.weight'),
        P('transformer.wpe.weight'),
        B,
        T,
        C,
        V,
        maxT,
      ),
    );
    for (let l = 0; l < L; l++) {
      const h = `transformer.h.${l}`;
      const a = blocks[l];
      const residual = l === 0 ? encoded : blocks[l - 1].residual3;
      fwd.push(
        layernormForward(gpu, a.ln1, a.ln1Mean, a.ln1Rstd, residual, P(`${h}.ln_1.weight`), P(`${h}.ln_1.bias`), BT, C),
        matmulForward(gpu, a.qkv, a.ln1, P(`${h}.attn.c_attn.weight`), P(`${h}.attn.c_attn.bias`), BT, C, 3 * C),
        attentionForward(gpu, a.atty, a.lse, a.qkv, null, B, T, C, NH),
        matmulForward(gpu, a.attproj, a.atty, P(`${h}.attn.c_proj.weight`), P(`${h}.attn.c_proj.bias`), BT, C, C),
        residualForward(gpu, a.residual2, residual, a.attproj, BT * C),
        layernormForward(
          gpu,
          a.ln2,
          a.ln2Mean,
          a.ln2Rstd,
          a.residual2,
          P(`${h}.ln_2.weight`),
          P(`${h}.ln_2.bias`),
          BT,
          C,
        ),
        matmulForward(gpu, a.fch, a.ln2, P(`${h}.mlp.c_fc.weight`), P(`${h}.mlp.c_fc.bias`), BT, C, 4 * C),
        geluForward(gpu, a.fchGelu, a.fch, BT * 4 * C),
        matmulForward(gpu, a.fcproj, a.fchGelu, P(`${h}.mlp.c_proj.weight`), P(`${h}.mlp.c_proj.bias`), BT, 4 * C, C),
        residualForward(gpu, a.residual3, a.residual2, a.fcproj, BT * C),
      );
    }
    const last = blocks[L - 1].residual3;
    fwd.push(
      layernormForward(
        gpu,
        this.lnf,
        lnfMean,
        lnfRstd,
        last,
        P('transformer.ln_f.weight'),
        P('transformer.ln_f.bias'),
        BT,
        C,
      ),
    );
    const logits = this.lmHead ? act('logits', [B, T, V]) : null;
    const ceLse = this.lmHead ? act('ce_lse', [BT]) : null;
    if (logits && ceLse) {
      this.built.logits = logits;
      fwd.push(matmulForward(gpu, logits, this.lnf, P('transformer.wte.weight'), null, BT, C, V));
      this.lossDispatches.push(
        crossentropyForward(gpu, this.losses, ceLse, logits, this.targets, BT, V),
        maskedMean(gpu, this.loss, this.losses, this.mask, BT),
      );
    }
    if (!this.hasBackward) return;
    const grads = gpu.tensor('grads', [this.table.size]);
    this.built.grads = grads;
    for (const s of this.table.specs) this.g.set(s.name, gpu.view(grads, `d${s.name}`, s.offset, s.shape));

    // ---- backward (llm.c gpt2_backward); activation gradients mirror the activations ----
    const dact = (t: Tensor) => gpu.tensor(`d${t.label}`, t.shape);
    const dEncoded = dact(encoded);
    const d = blocks.map((a) => ({
      ln1: dact(a.ln1),
      qkv: dact(a.qkv),
      atty: dact(a.atty),
      residual2: dact(a.residual2),
      ln2: dact(a.ln2),
      fch: dact(a.fch),
      fchGelu: dact(a.fchGelu),
      residual3: dact(a.residual3),
    }));
    const dlnf = dact(this.lnf);
    this.built.dlnf = dlnf;
    // Gradients accumulate (+=): the backward lists zero the activation gradients they use; parameter
    // gradients are zeroed by `zeroGrads` (or by AdamW's zeroGrad), so micro-batches can accumulate.
    // dlnf is zeroed by the lm head, or written by whichever head runs before `trunkBackwardDispatches`.
    this.built.zeroGrads = fill(gpu, grads);
    const zero = [dEncoded, ...d.flatMap((x) => Object.values(x))].map((t) => fill(gpu, t));
    const lmHead: Dispatch[] = [];
    if (logits && ceLse) {
      const dlogits = dact(logits);
      const dlosses = dact(this.losses);
      lmHead.push(
        fill(gpu, dlnf),
        lossWeights(gpu, dlosses, this.mask, BT),
        crossentropyBackward(gpu, dlogits, logits, ceLse, this.targets, dlosses, BT, V),
        // forward was: logits = lnf · wteᵀ; so now:
        matmulBackwardWeight(gpu, G('transformer.wte.weight'), dlogits, this.lnf, BT, C, V),
        matmulBackwardInput(gpu, dlnf, dlogits, P('transformer.wte.weight'), BT, C, V),
      );
    }
    const trunk: Dispatch[] = [
      ...layernormBackward(
        gpu,
        d[L - 1].residual3,
        G('transformer.ln_f.weight'),
        G('transformer.ln_f.bias'),
        dlnf,
        last,
        P('transformer.ln_f.weight'),
        lnfMean,
        lnfRstd,
        BT,
        C,
      ),
    ];
    for (let l = L - 1; l >= 0; l--) {
      const h = `transformer.h.${l}`;
      const a = blocks[l];
      const da = d[l];
      const residual = l === 0 ? encoded : blocks[l - 1].residual3;
      const dResidual = l === 0 ? dEncoded : d[l - 1].residual3;
      trunk.push(
        // forward was: residual3 = residual2 + fcproj; so now: dresidual2 += dresidual3, dfcproj = dresidual3
        addInPlace(gpu, da.residual2, da.residual3, BT * C),
        matmulBackwardInput(gpu, da.fchGelu, da.residual3, P(`${h}.mlp.c_proj.weight`), BT, 4 * C, C),
        matmulBackwardWeight(gpu, G(`${h}.mlp.c_proj.weight`), da.residual3, a.fchGelu, BT, 4 * C, C),
        matmulBackwardBias(gpu, G(`${h}.mlp.c_proj.bias`), da.residual3, BT, C),
        geluBackward(gpu, da.fch, a.fch, da.fchGelu, BT * 4 * C),
        matmulBackwardInput(gpu, da.ln2, da.fch, P(`${h}.mlp.c_fc.weight`), BT, C, 4 * C),
        matmulBackwardWeight(gpu, G(`${h}.mlp.c_fc.weight`), da.fch, a.ln2, BT, C, 4 * C),
        matmulBackwardBias(gpu, G(`${h}.mlp.c_fc.bias`), da.fch, BT, 4 * C),
        ...layernormBackward(
          gpu,
          da.residual2,
          G(`${h}.ln_2.weight`),
          G(`${h}.ln_2.bias`),
          da.ln2,
          a.residual2,
          P(`${h}.ln_2.weight`),
          a.ln2Mean,
          a.ln2Rstd,
          BT,
          C,
        ),
        // forward was: residual2 = residual + attproj; so now: dresidual += dresidual2, dattproj = dresidual2
        addInPlace(gpu, dResidual, da.residual2, BT * C),
        matmulBackwardInput(gpu, da.atty, da.residual2, P(`${h}.attn.c_proj.weight`), BT, C, C),
        matmulBackwardWeight(gpu, G(`${h}.attn.c_proj.weight`), da.residual2, a.atty, BT, C, C),
        matmulBackwardBias(gpu, G(`${h}.attn.c_proj.bias`), da.residual2, BT, C),
        ...attentionBackward(gpu, da.qkv, da.atty, a.qkv, a.atty, a.lse, null, B, T, C, NH),
        matmulBackwardInput(gpu, da.ln1, da.qkv, P(`${h}.attn.c_attn.weight`), BT, C, 3 * C),
        matmulBackwardWeight(gpu, G(`${h}.attn.c_attn.weight`), da.qkv, a.ln1, BT, C, 3 * C),
        matmulBackwardBias(gpu, G(`${h}.attn.c_attn.bias`), da.qkv, BT, 3 * C),
        ...layernormBackward(
          gpu,
          dResidual,
          G(`${h}.ln_1.weight`),
          G(`${h}.ln_1.bias`),
          da.ln1,
          residual,
          P(`${h}.ln_1.weight`),
          a.ln1Mean,
          a.ln1Rstd,
          BT,
          C,
        ),
      );
    }
    const encoderBackward = createEncoderBackward(gpu, B, T, C, V, maxT);
    trunk.push(
      ...encoderBackward(G('transformer.wte.weight'), G('transformer.wpe.weight'), dEncoded, this.tokens, null),
    );
    if (this.lmHead) this.backwardDispatches.push(...zero, ...lmHead, ...trunk);
    this.trunkBackwardDispatches.push(...zero, ...trunk);
  }

  /** The packed parameter gradients (graphs built with backward). */
  /** Destroys the graph's activations and gradients, and the weights if this graph made them (not if given). */
  dispose(): void {
    this.gpu.dispose();
  }

  get grads(): Tensor {
    return this.need(this.built.grads, 'gradients', 'backward: false');
  }

  /** Gradient of lnf [B, T, C]: heads add theirs here before `trunkBackwardDispatches`. */
  get dlnf(): Tensor {
    return this.need(this.built.dlnf, 'dlnf', 'backward: false');
  }

  /** Logits [B, T, V] (graphs built with the language-model head). */
  get logits(): Tensor {
    return this.need(this.built.logits, 'logits', 'lmHead: false');
  }

  /** Sets every parameter gradient to zero. */
  get zeroGrads(): Dispatch {
    return this.need(this.built.zeroGrads, 'zeroGrads', 'backward: false');
  }

  /** The residual stream [B, T, C] after block `layer` (0 = the embeddings, L = the last block, before ln_f). */
  residual(layer: number): Tensor {
    const t = this.stream[layer];
    if (!Number.isInteger(layer) || !t)
      throw new Error(
        `GPT: no residual stream at layer ${layer} (0 = embeddings … ${this.cfg.numLayers} = after the last block)`,
      );
    return t;
  }

  private need<X>(x: X | undefined, what: string, option: string): X {
    if (x === undefined) throw new Error(`GPT: this graph has no ${what} (it was built with ${option})`);
    return x;
  }

  /** The gradient of parameter `name` as a view into the packed gradients. */
  grad(name: string): Tensor {
    const t = this.g.get(name);
    if (!t) throw new Error(`GPT has no parameter ${name}`);
    return t;
  }
}
