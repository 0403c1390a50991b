// The prompts of a set of comparisons: each conversation up to its final "\n\nAssistant:" (a comparison's
// context), deduplicated. What a PPO run, an Elo tournament, an OOD fit and the notebook's prompt pickers draw
// from; host-side text only.

import type { Comparison } from './comparisons.ts';

/** The distinct contexts of the comparisons, in first-seen order. */
export function ppoPrompts(comparisons: readonly Pick<Comparison, 'context'>[]): string[] {
  return [...new Set(comparisons.map((c) => c.context))];
}
