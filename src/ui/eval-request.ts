// What the Evaluate stage's panels (<elo-panel>, <tax-panel>, <ood-panel>) share beside src/ui/eval-panel.ts: a Worker
// request that reports progress and resolves with its answer, the stored checkpoints that are policies, in the
// order the panels list them, and the prompts of stored datasets.

import type { Comparison } from '../data/comparisons.ts';
import { rng, shuffleInPlace } from '../util/random.ts';
import type { Command, WorkerEvent } from '../protocol.ts';
import type { CheckpointMeta } from '../store/checkpoints.ts';
import { ppoPrompts } from '../data/prompts.ts';
import type { WorkerClient } from './worker-client.ts';

type Progress = Extract<WorkerEvent, { type: 'eval-progress' }>;

/**
 * Sends `command` (which carries a request id) and resolves with the Worker's `answer` event of that id;
 * `onProgress` hears the request's eval-progress events meanwhile.
 */
export function askWorker<A extends WorkerEvent['type']>(
  client: WorkerClient,
  command: Command & { request: string },
  answer: A,
  onProgress: (p: Progress) => void = () => {},
): Promise<Extract<WorkerEvent, { type: A }>> {
  return new Promise((resolve) => {
    const stop = client.on((e) => {
      if (!('request' in e) || e.request !== command.request) return;
      if (e.type === 'eval-progress') onProgress(e);
      else if (e.type === answer) {
        stop();
        resolve(e as Extract<WorkerEvent, { type: A }>);
      }
    });
    client.send(command);
  });
}

/** The stored policies (base models, then RLHF policies; each oldest first), as the RLHF stage offers them. */
export function policyCheckpoints(all: readonly CheckpointMeta[]): CheckpointMeta[] {
  const rank = (c: CheckpointMeta) => (c.stage === 'base' ? 0 : 1);
  return all
    .filter((c) => c.stage === 'base' || c.stage === 'rlhf')
    .sort((a, b) => rank(a) - rank(b) || a.created - b.created);
}

/**
 * The prompts of `comparisons` (their distinct contexts, as `rlhf ppo` reads them), a sample of at most `n` seeded by
 * `seed`.
 */
export function samplePrompts(
  comparisons: readonly Comparison[],
  n: number,
  seed: number,
): { prompts: string[]; distinct: number } {
  const all = ppoPrompts(comparisons);
  return { prompts: shuffleInPlace([...all], rng(seed)).slice(0, n), distinct: all.length };
}

/** A copy of `set` with `id` in it (on) or not. */
export function toggled(set: ReadonlySet<string>, id: string, on: boolean): Set<string> {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}
