// The reward function of RLHF proper: a preference-model checkpoint (trunk + reward_head) scoring each
// (prompt, response) as PPO's RewardFn. It holds the PM's GPU memory; its owner disposes it.

import { encodeForPM } from '../data/pm-batches.ts';
import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import type { Gpu } from '../kernels/gpu.ts';
import type { Checkpoint } from '../models/checkpoint.ts';
import { PMScorer } from '../models/preference-model.ts';
import type { RewardFn } from './ppo-types.ts';

/** A reward function that holds GPU memory (a preference model): its owner disposes it. */
export type ScorerReward = RewardFn & { dispose(): void };

/**
 * A reward function scoring with a preference model checkpoint (trunk + reward_head): the PM's score of
 * prompt + response + <|endofcontext|>, cut from the left to the PM's sequence length (its `seq_len`
 * metadata, else its context), `rows` sequences per forward pass.
 */
export function pmReward(gpu: Gpu, ckpt: Checkpoint, file: string, rows: number): ScorerReward {
  const head = ckpt.heads.reward_head;
  if (!head) throw new Error(`${file}: not a preference model (no reward_head tensors)`);
  const tokenizer = tokenizerOfCheckpoint(ckpt.metadata, ckpt.cfg, file);
  if (tokenizer.endOfContext >= ckpt.cfg.vocabSize)
    throw new Error(
      `${file}: a vocabulary of ${ckpt.cfg.vocabSize} has no <|endofcontext|> (${tokenizer.endOfContext})`,
    );
  const seqLen = Number(ckpt.metadata.seq_len);
  const T = Number.isInteger(seqLen) && seqLen >= 2 && seqLen <= ckpt.cfg.maxSeqLen ? seqLen : ckpt.cfg.maxSeqLen;
  const P = Math.ceil(rows / 2);
  const scorer = new PMScorer(gpu, ckpt.cfg, P, T, ckpt.packed, head);
  const reward: RewardFn = async (prompts, responses) => {
    const out: number[] = [];
    for (let at = 0; at < prompts.length; at += 2 * P) {
      const n = Math.min(2 * P, prompts.length - at);
      const tokens = new Uint32Array(2 * P * T).fill(tokenizer.endOfText);
      const eocIndex = new Uint32Array(2 * P);
      for (let r = 0; r < 2 * P; r++) {
        const i = at + (r < n ? r : 0);
        const seq = encodeForPM(prompts[i], responses[i], tokenizer, T);
        tokens.set(seq, r * T);
        eocIndex[r] = seq.length - 1;
      }
      const scores = await scorer.score({ tokens, eocIndex, count: P });
      for (let r = 0; r < n; r++) out.push(scores[r]);
    }
    return out;
  };
  return Object.assign(reward, { dispose: () => scorer.dispose() });
}
