// A stored preference model's accuracy on sets of comparisons: the cells of the Evaluate stage's heat map (helpful
// and harmless held-out sets, Bai et al. 2022 Figure 1's ingredients) and of the tension explorer. Every comparison
// of a set is scored once, at the checkpoint's own sequence length (its `seq_len` metadata, else its context).

import type { TrainingPair } from '../data/comparisons.ts';
import { encodeComparisons, pmEvalBatches } from '../data/pm-batches.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import type { Gpu } from '../kernels/gpu.ts';
import type { Checkpoint } from '../models/checkpoint.ts';
import { PMScorer } from '../models/preference-model.ts';
import { calibration } from './calibration.ts';
import { accuracyFromMargins } from './stats.ts';

/** Pairs per batch when scoring a set. */
const PAIRS_PER_BATCH = 8;

/** A preference model's held-out accuracy on one dataset (a cell of the Evaluate stage's heat map). */
export interface PMCellResult {
  dataset: string;
  /** Pairs scored. */
  n: number;
  accuracy: number;
  /** 95% Wilson interval of the accuracy. */
  lo: number;
  hi: number;
  ece: number;
}

/** A named set of comparisons. */
export interface PairSet {
  id: string;
  comparisons: readonly TrainingPair[];
}

/** The checkpoint (a trunk with a reward head) scored on each set; its scorer is freed before this returns. */
export async function scorePMOnSets(
  gpu: Gpu,
  ckpt: Checkpoint,
  tokenizer: Tokenizer,
  sets: readonly PairSet[],
  file: string,
): Promise<PMCellResult[]> {
  const head = ckpt.heads.reward_head;
  if (!head) throw new Error(`${file}: no reward head: not a preference model`);
  if (ckpt.cfg.vocabSize <= tokenizer.endOfContext)
    throw new Error(`${file}: a vocabulary of ${ckpt.cfg.vocabSize} has no <|endofcontext|> token`);
  const T = Math.min(Number(ckpt.metadata.seq_len) || ckpt.cfg.maxSeqLen, ckpt.cfg.maxSeqLen);
  const P = PAIRS_PER_BATCH;
  const scorer = new PMScorer(gpu, ckpt.cfg, P, T, ckpt.packed, head);
  try {
    const results: PMCellResult[] = [];
    for (const set of sets) {
      const margins = set.comparisons.length
        ? await scorer.margins(
            pmEvalBatches(encodeComparisons(set.comparisons, tokenizer, T), P, T, tokenizer.endOfText),
          )
        : [];
      const acc = accuracyFromMargins(margins);
      results.push({
        dataset: set.id,
        n: margins.length,
        accuracy: acc.accuracy,
        lo: acc.lo,
        hi: acc.hi,
        ece: calibration(margins).ece,
      });
    }
    return results;
  } finally {
    scorer.dispose();
  }
}
