// HH pairs as comparisons: the shared conversation (context) and the two final Assistant responses.
//
// An HH pair is two transcripts "\n\nHuman: …\n\nAssistant: …" that share everything but the final Assistant
// response (Bai et al. 2022). The context is cut at the last "\n\nAssistant:" both transcripts share: the
// longest common prefix, cut back to the end of the last "\n\nAssistant:" that lies wholly inside it. Each
// response keeps its leading space (" Sure, …"), so context + response gives back the transcript exactly.
//
// Why not simply "the last \n\nAssistant: of each transcript": on the real dev files (helpful-base 1647 pairs,
// harmless-base 1618) that rule leaves 9 pairs (7 + 2) whose two cuts differ, and in every one of them the
// reason is a final response that itself contains "\n\nAssistant:" (" Umm. Just a second...\n\nAssistant: A solar
// panel should cost …"), not a different conversation. Dropping them would bias the data against such responses,
// so the shared-prefix rule is used; on all other pairs the two rules give the same cut. A pair whose
// responses after that cut contain "\n\nHuman:" really does differ before its final Assistant turn and is
// reported as a problem. (If both responses begin with the same text up to a "\n\nAssistant:" of their own,
// that shared text lands in the context; it happens in none of the real pairs.) With this rule every non-
// identical pair of the dev files splits; 2 helpful-base pairs have chosen === rejected and are dropped.

import type { HHPair, HHProblem } from './hh.ts';

const ASSISTANT = '\n\nAssistant:';
const HUMAN = '\n\nHuman:';
const DIFFER = 'chosen and rejected differ before the final Assistant turn';

export interface Comparison {
  /** The conversation up to and including the final "\n\nAssistant:" (shared by both sides). */
  context: string;
  /** The final responses, as they follow the context (with HH's leading space: " Sure, ..."). */
  chosen: string;
  rejected: string;
  /** 'helpful' | 'harmless' | a user-chosen name. */
  subset: string;
  /** Where it came from: file name and 1-based line. */
  source: { file: string; line: number };
  /**
   * A comparison labelled in the notebook (src/store/labels.ts): how its two responses were made and judged. Absent for
   * imported and generated pairs.
   */
  provenance?: LabelProvenance;
  /** A comparison collected by the iterated online loop (src/train/online.ts): its round and labeller. */
  online?: OnlineProvenance;
}

/** Where an online comparison came from. */
export interface OnlineProvenance {
  /** The round (1-based) that collected it. */
  round: number;
  /** 'gold', the labelling preference model's name, or 'you' (the user, in the notebook). */
  labeller: string;
  /** The policy that wrote both responses. */
  policy: string;
  /** The labeller's scores of the chosen and the rejected response; null from a labeller that only picks. */
  scores: [number, number] | null;
  /** Which of the two samples (1 or 2) was chosen. */
  picked: 1 | 2;
}

/** A comparison as the trainers read it: the two sides, their context and subset (no source or provenance). */
export type TrainingPair = Pick<Comparison, 'context' | 'chosen' | 'rejected' | 'subset'>;

/** The fields of each comparison the trainers read (what goes to the Worker). */
export function trainingPairs(comparisons: readonly Comparison[]): TrainingPair[] {
  return comparisons.map((c) => ({ context: c.context, chosen: c.chosen, rejected: c.rejected, subset: c.subset }));
}

/** How a notebook-labelled comparison came about (kept beside it in the store; not part of the HH export). */
export interface LabelProvenance {
  /** helpful: the user picked the more helpful response (chosen); red-team: the more harmful (stored as rejected). */
  mode: 'helpful' | 'red-team';
  /** The checkpoint names that sampled response 1 and response 2 (the same name twice for one checkpoint). */
  checkpoints: [string, string];
  /** The sampler's seed. */
  seed: number;
  /** The dataset the prompt came from. */
  promptDataset: string;
  /** Which of the two shown responses (1 or 2) the user picked. */
  picked: 1 | 2;
  /** Milliseconds since the epoch. */
  time: number;
}

export interface ComparisonImport {
  comparisons: Comparison[];
  /** Pairs that could not be split, with their line. */
  problems: HHProblem[];
  /** Pairs dropped because chosen === rejected. */
  identical: number;
  /** Imported pairs whose final response contains "\n\nAssistant:" itself (split at the shared prefix, see above). */
  embeddedAssistant: number;
}

export type SplitResult = { context: string; chosen: string; rejected: string } | { error: string };

/** Splits two transcripts into their shared context and the two final responses. */
export function splitPair(chosen: string, rejected: string): SplitResult {
  const n = Math.min(chosen.length, rejected.length);
  let k = 0;
  while (k < n && chosen.charCodeAt(k) === rejected.charCodeAt(k)) k++;
  const at = k >= ASSISTANT.length ? chosen.lastIndexOf(ASSISTANT, k - ASSISTANT.length) : -1;
  if (at < 0) return { error: DIFFER };
  const cut = at + ASSISTANT.length;
  const c = chosen.slice(cut);
  const r = rejected.slice(cut);
  if (c.includes(HUMAN) || r.includes(HUMAN)) return { error: DIFFER };
  return { context: chosen.slice(0, cut), chosen: c, rejected: r };
}

/** Splits parsed pairs; identical pairs are dropped and counted, unsplittable ones become problems. */
export function toComparisons(pairs: readonly HHPair[], opts: { file: string; subset: string }): ComparisonImport {
  const out: ComparisonImport = { comparisons: [], problems: [], identical: 0, embeddedAssistant: 0 };
  for (const p of pairs) {
    if (p.chosen === p.rejected) {
      out.identical++;
      continue;
    }
    const s = splitPair(p.chosen, p.rejected);
    if ('error' in s) {
      out.problems.push({ line: p.line, reason: s.error });
      continue;
    }
    if (s.chosen.includes(ASSISTANT) || s.rejected.includes(ASSISTANT)) out.embeddedAssistant++;
    out.comparisons.push({ ...s, subset: opts.subset, source: { file: opts.file, line: p.line } });
  }
  return out;
}

/** 'helpful' or 'harmless' when the base name says so (in that order), else the base name without .jsonl/.json(.gz). */
export function subsetFromFileName(file: string): string {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const lower = base.toLowerCase();
  if (lower.includes('helpful')) return 'helpful';
  if (lower.includes('harmless')) return 'harmless';
  return base.replace(/\.(jsonl|json)(\.gz)?$/i, '').replace(/\.gz$/i, '');
}

/**
 * Back to the HH format: one {"chosen": …, "rejected": …} object a line, each line ending in "\n", the transcripts
 * exactly context + response. Spaced as the published HH files are (Python's json.dumps), so a file of unchanged
 * pairs comes back byte for byte.
 */
export function comparisonsToJsonl(comparisons: readonly Comparison[]): string {
  let out = '';
  for (const c of comparisons) {
    out += `{"chosen": ${JSON.stringify(c.context + c.chosen)}, "rejected": ${JSON.stringify(c.context + c.rejected)}}\n`;
  }
  return out;
}

/** Drops exact repeats of a (context, chosen, rejected) triple, keeping the first; subset and source are ignored. */
export function dedupeComparisons(comparisons: readonly Comparison[]): {
  comparisons: Comparison[];
  duplicates: number;
} {
  const seen = new Set<string>();
  const kept: Comparison[] = [];
  for (const c of comparisons) {
    const key = JSON.stringify([c.context, c.chosen, c.rejected]);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(c);
  }
  return { comparisons: kept, duplicates: comparisons.length - kept.length };
}
