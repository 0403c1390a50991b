// A preference model for scoring only (evaluation, PPO rewards, Elo): the GPT trunk built without
// backward or LM head, plus the reward head read at each sequence's end-of-context token.

import type { Gpu } from '../kernels/gpu.ts';
import type { PMBatch } from '../data/pm-batches.ts';
import type { GPTConfig } from './config.ts';
import { GPT } from './gpt.ts';
import { RewardHead } from './heads.ts';
import { Weights } from './weights.ts';

export class PMScorer {
  readonly model: GPT;
  readonly head: RewardHead;

  /** A scorer for batches of P pairs (2P sequences) of T tokens, with the given parameters. */
  readonly gpu: Gpu;

  constructor(
    parent: Gpu,
    readonly cfg: GPTConfig,
    readonly P: number,
    readonly T: number,
    trunk: Float32Array,
    head: Float32Array,
  ) {
    const gpu = (this.gpu = parent.scope('pm scorer'));
    const weights = new Weights(gpu, cfg, 'pm params');
    gpu.write(weights.packed, trunk);
    this.model = new GPT(gpu, cfg, 2 * P, T, weights, { lmHead: false, backward: false });
    this.head = new RewardHead(gpu, this.model);
    gpu.write(this.head.params, head);
  }

  /** Scores of the batch's 2P sequences (chosen rows first). */
  async score(batch: PMBatch): Promise<Float32Array> {
    this.gpu.write(this.model.tokens, batch.tokens);
    this.gpu.write(this.head.eocIndex, batch.eocIndex);
    this.gpu.run([...this.model.forwardDispatches, ...this.head.forwardDispatches], 'pm score');
    return (await this.gpu.read(this.head.reward)) as Float32Array;
  }

  margins(batches: readonly PMBatch[]): Promise<number[]> {
    return marginsOf((b) => this.score(b), batches, this.P);
  }

  /** Destroys the scorer's weights, graph and head. */
  dispose(): void {
    this.gpu.dispose();
  }
}

/** Margins r_chosen − r_rejected of every real pair of the batches, in order. */
export async function marginsOf(
  score: (b: PMBatch) => Promise<Float32Array>,
  batches: readonly PMBatch[],
  P: number,
): Promise<number[]> {
  const out: number[] = [];
  for (const batch of batches) {
    const r = await score(batch);
    for (let p = 0; p < batch.count; p++) out.push(r[p] - r[P + p]);
  }
  return out;
}
