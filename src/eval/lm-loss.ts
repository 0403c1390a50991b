// The held-out language-model loss of several checkpoints on the same batches — the alignment tax of RLHF
// (Bai et al. 2022, §4.5 measure it on benchmarks; at our scale it is the loss on dialogues the base model
// was pretrained on): `alignment_tax` is each model's loss minus the first model's, so the initial policy goes
// first and its RLHF policies after it. Shared by `rlhf lm-eval` (src/cli/lm-eval.ts) and the notebook's
// Evaluate stage (src/worker/eval-session.ts); no DOM, no file system. heldOutLoss (one model's loss) lives here
// too, below the trainers: LMTrainer's held-out evaluation calls it.

import type { LMBatch } from '../data/lm-batches.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import { lmVocabSize, tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import type { Gpu } from '../kernels/gpu.ts';
import type { Checkpoint } from '../models/checkpoint.ts';
import { GPT } from '../models/gpt.ts';

/** A checkpoint to evaluate, under the name its messages and results use. */
export interface LossModel {
  name: string;
  ckpt: Checkpoint;
}

/** One model's held-out loss (nats per token) and its difference to the first model's. */
export interface ModelLoss {
  model: string;
  loss: number;
  alignment_tax: number;
}

/**
 * The tokenizer every model shares (the first one's); an Error naming the model that reads text differently
 * (losses per token of different tokenizers are not comparable) or whose vocabulary is too small for it.
 */
export function sharedTokenizer(models: readonly LossModel[]): Tokenizer {
  if (!models.length) throw new Error('no models to evaluate');
  const first = models[0];
  const tokenizer = tokenizerOfCheckpoint(first.ckpt.metadata, first.ckpt.cfg, first.name);
  for (const m of models) {
    const t = tokenizerOfCheckpoint(m.ckpt.metadata, m.ckpt.cfg, m.name);
    if (t.name !== tokenizer.name)
      throw new Error(
        `${m.name} uses the ${t.name} tokenizer, ${first.name} the ${tokenizer.name} one: their losses are not comparable`,
      );
    if (m.ckpt.cfg.vocabSize < lmVocabSize(tokenizer))
      throw new Error(
        `${m.name} has a vocabulary of ${m.ckpt.cfg.vocabSize}, the ${tokenizer.name} tokenizer needs ${lmVocabSize(tokenizer)}`,
      );
  }
  return tokenizer;
}

/**
 * Each model's mean loss on `batches` (B sequences of T tokens each, from lmData's held-out split), in order;
 * `onLoss` hears each result as soon as it is computed. Every model gets its own forward-only graph.
 */
export async function heldOutLosses(
  gpu: Gpu,
  models: readonly LossModel[],
  batches: readonly LMBatch[],
  B: number,
  T: number,
  onLoss?: (result: ModelLoss, index: number) => void,
): Promise<ModelLoss[]> {
  const results: ModelLoss[] = [];
  for (const [i, { name, ckpt }] of models.entries()) {
    if (T > ckpt.cfg.maxSeqLen)
      throw new Error(`sequence length ${T} exceeds ${name}'s context of ${ckpt.cfg.maxSeqLen}`);
    const model = new GPT(gpu, ckpt.cfg, B, T, undefined, { backward: false });
    let loss: number;
    try {
      gpu.write(model.params, ckpt.packed);
      loss = await heldOutLoss(model, batches);
    } finally {
      model.dispose();
    }
    const result = { model: name, loss, alignment_tax: loss - (results[0]?.loss ?? loss) };
    results.push(result);
    onLoss?.(result, i);
  }
  return results;
}

/** Writes one batch's tokens, next-token targets and loss mask into the model's input buffers. */
export function writeLMBatch(model: GPT, batch: LMBatch): void {
  model.gpu.write(model.tokens, batch.tokens);
  model.gpu.write(model.targets, batch.targets);
  model.gpu.write(model.mask, batch.mask);
}

/**
 * The mean masked language-model loss of `model` (a graph with its LM head; backward not needed) over
 * `batches`, one read per batch: held-out evaluation while training, and `rlhf lm-eval`'s alignment tax.
 */
export async function heldOutLoss(model: GPT, batches: readonly LMBatch[]): Promise<number> {
  if (!model.lmHead) throw new Error('heldOutLoss: the model graph was built without its LM head');
  let sum = 0;
  for (const batch of batches) {
    writeLMBatch(model, batch);
    model.gpu.run([...model.forwardDispatches, ...model.lossDispatches], 'lm eval');
    sum += (await model.gpu.read(model.loss))[0];
  }
  return sum / batches.length;
}
