// Bookkeeping for resuming an interrupted base-model run after a reload: which stored runs did not finish
// and which of their checkpoints to continue from, and how the stored curve joins the resumed one.

import type { CheckpointMeta } from './checkpoints.ts';
import type { HistoryPoint, RunMeta } from './runs.ts';

export interface Resumable {
  run: RunMeta;
  /** The run's latest stored checkpoint (the weights the resumed run starts from). */
  checkpoint: CheckpointMeta;
}

/**
 * The unfinished runs of `stage` (step < steps) that have a checkpoint to continue from, newest first. A run
 * resumes from its latest checkpoint, which may be older than the run's step if the last store was a run record
 * only; the resumed run starts at the checkpoint's step.
 */
export function resumableRuns(
  runs: readonly RunMeta[],
  checkpoints: readonly CheckpointMeta[],
  stage = 'base',
): Resumable[] {
  const out: Resumable[] = [];
  for (const run of runs) {
    if (run.stage !== stage || run.step >= run.steps) continue;
    const own = checkpoints.filter((c) => c.run === run.id && c.stage === stage && c.step < run.steps);
    if (!own.length) continue;
    const checkpoint = own.reduce((a, b) => (b.step > a.step ? b : a));
    out.push({ run, checkpoint });
  }
  return out.sort((a, b) => b.run.created - a.run.created);
}

/** The stored history up to the resume step, followed by the resumed run's points (which start at that step). */
export function joinHistory(
  stored: readonly HistoryPoint[],
  resumed: readonly HistoryPoint[],
  resumeStep: number,
): HistoryPoint[] {
  return [
    ...stored.filter((p) => p.step <= resumeStep).map((p) => ({ ...p })),
    ...resumed.filter((p) => p.step > resumeStep).map((p) => ({ ...p })),
  ];
}
