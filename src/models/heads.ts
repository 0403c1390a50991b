// Scalar heads on the GPT trunk's final layer norm (model.lnf [B, T, C]):
//   RewardHead (preference model, Bai et al. 2022 §3): reward[b] = lnf[b, eocIndex[b], :] · w + bias,
//     the score read at the end-of-context token the caller appended to each dialogue. eocIndex is a
//     u32 [B] tensor the caller writes; an index ≥ T is clamped to T − 1 (rows.ts).
//   ValueHead (PPO critic): values[b, t] = lnf[b, t, :] · w + bias at every position.
// Each head's parameters are their own small packed allocation (llm.c style: one table of name, shape,
// offset drives the views and checkpoints), named for checkpoints:
//   reward_head.weight [1, C], reward_head.bias [1]    value_head.weight [1, C], value_head.bias [1]
// Gradients of the head's parameters accumulate (+=) into `grads` until `zeroGrads` runs. On a GPT
// graph built without backward (scoring only) a head records no backward dispatches.
//
// Order of a step (the lists are recorded once at construction and replayed):
//   model.forwardDispatches → head.forwardDispatches → (loss: caller fills dreward / dvalues)
//   → head.backwardDispatches → model.trunkBackwardDispatches
// Who zeroes model.dlnf: a head's backward starts by zeroing it (`zeroDlnf`, default true) and then adds
// its gradient (+=). When two heads share one backward, construct the second with { zeroDlnf: false }
// and run the first one's backwardDispatches first. The LM loss's model.backwardDispatches zeroes dlnf
// itself and includes the trunk, so it is not combined with these heads.

import { fill } from '../kernels/fill.ts';
import type { Dispatch, Gpu, Tensor } from '../kernels/gpu.ts';
import { matmulBackwardBias, matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../kernels/matmul.ts';
import { gatherRows, scatterRowsBackward } from '../kernels/rows.ts';
import type { GPT } from './gpt.ts';
import type { ParamTable } from './params.ts';
import { headTable, type HeadName } from './head-table.ts';

export type { HeadName } from './head-table.ts';
export { headTable, initHeadParams } from './head-table.ts';

export interface HeadOptions {
  /** Zero model.dlnf before adding this head's gradient (default true; false for a second head). */
  zeroDlnf?: boolean;
}

/** A [1, C] linear map to one scalar, with its packed parameters and gradients. */
abstract class LinearHead {
  readonly table: ParamTable;
  readonly params: Tensor;
  readonly grads: Tensor;
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly dweight: Tensor;
  readonly dbias: Tensor;
  /** Sets the head's parameter gradients to zero. */
  readonly zeroGrads: Dispatch;
  /** Run after model.forwardDispatches. */
  readonly forwardDispatches: Dispatch[] = [];
  /** Run after the caller filled the output gradient, before model.trunkBackwardDispatches. */
  readonly backwardDispatches: Dispatch[] = [];

  readonly gpu: Gpu;

  constructor(
    parent: Gpu,
    readonly model: GPT,
    name: HeadName,
  ) {
    const gpu = (this.gpu = parent.scope(name));
    const C = model.cfg.channels;
    this.table = headTable(name, C);
    const [w, b] = this.table.specs;
    this.params = gpu.tensor(`${name}.params`, [this.table.size]);
    this.grads = gpu.tensor(`${name}.grads`, [this.table.size]);
    this.weight = gpu.view(this.params, w.name, w.offset, w.shape);
    this.bias = gpu.view(this.params, b.name, b.offset, b.shape);
    this.dweight = gpu.view(this.grads, `d${w.name}`, w.offset, w.shape);
    this.dbias = gpu.view(this.grads, `d${b.name}`, b.offset, b.shape);
    this.zeroGrads = fill(gpu, this.grads);
  }

  /** Destroys the head's parameters, gradients and activations (not the model it reads). */
  dispose(): void {
    this.gpu.dispose();
  }
}

export class RewardHead extends LinearHead {
  /** End-of-context position of each sequence, u32 [B], written by the caller. */
  readonly eocIndex: Tensor;
  /** The scalar score of each sequence [B]. */
  readonly reward: Tensor;
  /** ∂loss/∂reward [B], filled by the caller (e.g. preferenceLossBackward) before backwardDispatches. */
  readonly dreward: Tensor;
  /** lnf at each sequence's end-of-context token [B, C], and its gradient. */
  readonly lnfEoc: Tensor;
  readonly dlnfEoc: Tensor;

  constructor(parent: Gpu, model: GPT, { zeroDlnf = true }: HeadOptions = {}) {
    super(parent, model, 'reward_head');
    const gpu = this.gpu;
    const { B, T } = model;
    const C = model.cfg.channels;
    this.eocIndex = gpu.tensor('eoc_index', [B], 'u32');
    this.reward = gpu.tensor('reward', [B]);
    this.dreward = gpu.tensor('dreward', [B]);
    this.lnfEoc = gpu.tensor('lnf_eoc', [B, C]);
    this.dlnfEoc = gpu.tensor('dlnf_eoc', [B, C]);
    // The matmuls see reward / dreward as [B, OC = 1].
    const reward = gpu.view(this.reward, 'reward', 0, [B, 1]);
    const dreward = gpu.view(this.dreward, 'dreward', 0, [B, 1]);
    this.forwardDispatches.push(
      gatherRows(gpu, this.lnfEoc, model.lnf, this.eocIndex, B, T, C),
      matmulForward(gpu, reward, this.lnfEoc, this.weight, this.bias, B, C, 1),
    );
    if (model.hasBackward)
      this.backwardDispatches.push(
        ...(zeroDlnf ? [fill(gpu, model.dlnf)] : []),
        fill(gpu, this.dlnfEoc),
        // forward was: reward = lnfEoc · wᵀ + bias; so now:
        matmulBackwardWeight(gpu, this.dweight, dreward, this.lnfEoc, B, C, 1),
        matmulBackwardBias(gpu, this.dbias, dreward, B, 1),
        matmulBackwardInput(gpu, this.dlnfEoc, dreward, this.weight, B, C, 1),
        // forward was: lnfEoc[b] = lnf[b, eocIndex[b]]; so now:
        scatterRowsBackward(gpu, model.dlnf, this.dlnfEoc, this.eocIndex, B, T, C),
      );
  }
}

export class ValueHead extends LinearHead {
  /** The value estimate at every position [B, T]. */
  readonly values: Tensor;
  /** ∂loss/∂values [B, T], filled by the caller before backwardDispatches. */
  readonly dvalues: Tensor;

  constructor(parent: Gpu, model: GPT, { zeroDlnf = true }: HeadOptions = {}) {
    super(parent, model, 'value_head');
    const gpu = this.gpu;
    const { B, T } = model;
    const C = model.cfg.channels;
    const BT = B * T;
    this.values = gpu.tensor('values', [B, T]);
    this.dvalues = gpu.tensor('dvalues', [B, T]);
    const values = gpu.view(this.values, 'values', 0, [BT, 1]);
    const dvalues = gpu.view(this.dvalues, 'dvalues', 0, [BT, 1]);
    this.forwardDispatches.push(matmulForward(gpu, values, model.lnf, this.weight, this.bias, BT, C, 1));
    if (model.hasBackward)
      this.backwardDispatches.push(
        ...(zeroDlnf ? [fill(gpu, model.dlnf)] : []),
        // forward was: values = lnf · wᵀ + bias; so now:
        matmulBackwardWeight(gpu, this.dweight, dvalues, model.lnf, BT, C, 1),
        matmulBackwardBias(gpu, this.dbias, dvalues, BT, 1),
        matmulBackwardInput(gpu, model.dlnf, dvalues, this.weight, BT, C, 1),
      );
  }
}
