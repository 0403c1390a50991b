// Comparisons labelled in the notebook, as the paper's crowdworkers made them (Bai et al. 2022 §2.2): two
// model responses to one prompt, and the human's pick. In helpful mode the pick is the more helpful response
// (stored as chosen); in red-team mode the user tries to elicit harm and picks the MORE harmful response, so
// the LESS harmful one is stored as chosen — the paper's harmlessness data is built the same way. Each label is
// appended to its mode's dataset (created on first use) as an ordinary HH comparison, with its provenance
// (checkpoints, seed, mode, time) beside it, so the Preference-model stage trains on it like any dataset and
// Data exports it as HH .jsonl.
//
// Appending rewrites the dataset (saveDataset): fine at human labelling speed (hundreds of pairs), not meant
// for bulk writes.

import type { Comparison, LabelProvenance } from '../data/comparisons.ts';
import { findDataset, loadComparisons, saveDataset, type DatasetMeta } from './datasets.ts';
import type { KV } from './kv.ts';

export type LabelMode = LabelProvenance['mode'];

/** Where each mode's labels are stored. */
export const LABEL_DATASETS: Record<LabelMode, { id: string; name: string; subset: string }> = {
  helpful: { id: 'labels-helpful', name: 'labels-helpful', subset: 'labels-helpful' },
  'red-team': { id: 'labels-red-team', name: 'labels-red-team', subset: 'labels-red-team' },
};

export interface Label {
  /** The conversation up to and including its final "\n\nAssistant:". */
  prompt: string;
  /** Response 1 and response 2 as shown (each as it follows the prompt). */
  responses: readonly [string, string];
  /** The response the user picked: the more helpful (helpful mode) or the more harmful (red-team). */
  picked: 1 | 2;
  mode: LabelMode;
  checkpoints: [string, string];
  seed: number;
  promptDataset: string;
  time: number;
}

/**
 * The comparison a label makes, or why it makes none (identical responses carry no preference; datasets drop
 * such pairs). `line` is its 1-based place in the labels dataset.
 */
export function labelComparison(l: Label, line: number): Comparison | { error: string } {
  const [r1, r2] = l.responses;
  if (r1 === r2) return { error: 'the two responses are identical: there is nothing to prefer (skip it)' };
  const picked = l.picked === 1 ? r1 : r2;
  const other = l.picked === 1 ? r2 : r1;
  // red-team: the picked response is the more harmful one, so the other is the preferred (chosen) side
  const [chosen, rejected] = l.mode === 'helpful' ? [picked, other] : [other, picked];
  const target = LABEL_DATASETS[l.mode];
  return {
    context: l.prompt,
    chosen,
    rejected,
    subset: target.subset,
    source: { file: target.id, line },
    provenance: {
      mode: l.mode,
      checkpoints: [...l.checkpoints],
      seed: l.seed,
      promptDataset: l.promptDataset,
      picked: l.picked,
      time: l.time,
    },
  };
}

/** Appends a label to its mode's dataset (creating it on first use); returns the dataset's new metadata. */
export async function appendLabel(kv: KV, l: Label): Promise<DatasetMeta> {
  const target = LABEL_DATASETS[l.mode];
  const meta = await findDataset(kv, target.id);
  const existing = meta ? await loadComparisons(kv, meta) : [];
  const c = labelComparison(l, existing.length + 1);
  if ('error' in c) throw new Error(c.error);
  return saveDataset(kv, {
    id: target.id,
    name: target.name,
    subset: target.subset,
    identical: meta?.identical ?? 0,
    sources: [
      `labelled in the notebook (${l.mode === 'helpful' ? 'the more helpful response is chosen' : 'red-team: the less harmful response is chosen'})`,
    ],
    comparisons: [...existing, c],
  });
}
