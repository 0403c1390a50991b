// The Evaluate stage's out-of-distribution detection in the Worker (Bai et al. 2022, §5.4; `rlhf ood` in the
// notebook): a stored checkpoint (base, preference model or policy: only its trunk is read), the prompts of the
// datasets the UI chose as the in-distribution fit set, the in-distribution evaluation set and the
// out-of-distribution evaluation set, and the CLI's knobs (layer, pooling, K exposed outliers, a cap on prompts).
// The sets, activations and scores are src/eval/ood-run.ts's, as `rlhf ood` makes them, with one addition:
//   held out  a dataset chosen both to fit and to evaluate in-distribution (the default: synth-helpful) is split
//             first: a seeded `heldOut` fraction of its distinct prompts (at least one, shuffled with seed + 5)
//             is evaluated, the rest fitted. Prompts that still occur in both (the same prompt in two datasets)
//             leave the evaluation, as in the CLI. A dataset may not be both in- and out-of-distribution.
// The answer is the report the panel draws: AUROC, mean scores and the ROC curve of each detector, the counts,
// and the five evaluation prompts farthest from the fit and the five nearest to it.
// Nothing here imports the DOM: it runs in the Worker and, in the tests, in Node.

import {
  runOod,
  methodSummary,
  oodPromptSets,
  type OodPromptSet,
  type OodReport,
  type OodSettings,
} from '../eval/ood-run.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { rng, shuffleInPlace } from '../util/random.ts';
import { POOLINGS } from '../models/activations.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import type { Command } from '../protocol.ts';

type OodDetect = Extract<Command, { type: 'ood-detect' }>;

/** Fewer fit prompts than this cannot describe a distribution (the covariance would be the ridge alone). */
export const MIN_FIT_PROMPTS = 5;
/** Evaluation prompts listed at each end (most and least outlying). */
export const OUTLIERS_SHOWN = 5;
/** Corners of each ROC curve sent to the UI (as `rlhf ood --report`). */
export const ROC_POINTS = 201;
/** Prompts per forward pass. */
const BATCH = 16;

/** Fit and in-distribution evaluation prompts, a dataset in both lists split by `heldOut` (see the header). */
export function splitFitAndEval(
  fit: readonly OodPromptSet[],
  evalIn: readonly OodPromptSet[],
  heldOut: number,
  seed: number,
): { fit: string[]; evalIn: string[]; heldOut: number } {
  const fitIds = new Set(fit.map((d) => d.id));
  const held = new Map<string, Set<string>>();
  for (const d of evalIn) {
    if (!fitIds.has(d.id)) continue;
    const prompts = [...new Set(d.prompts)];
    if (prompts.length < 2)
      throw new Error(
        `${d.id} is both fitted and evaluated, but has ${prompts.length} prompt${prompts.length === 1 ? '' : 's'}: nothing to hold out`,
      );
    const k = Math.min(prompts.length - 1, Math.max(1, Math.round(heldOut * prompts.length)));
    held.set(d.id, new Set(shuffleInPlace(prompts, rng(seed + 5)).slice(0, k)));
  }
  return {
    fit: fit.flatMap((d) => (held.has(d.id) ? d.prompts.filter((p) => !held.get(d.id)!.has(p)) : d.prompts)),
    evalIn: evalIn.flatMap((d) => (held.has(d.id) ? d.prompts.filter((p) => held.get(d.id)!.has(p)) : d.prompts)),
    heldOut: [...held.values()].reduce((s, h) => s + h.size, 0),
  };
}

function checkSettings(s: OodSettings, numLayers: number, file: string): void {
  if (s.layer !== null && s.layer !== 'lnf' && !(Number.isInteger(s.layer) && s.layer >= 0 && s.layer <= numLayers)) {
    throw new Error(
      `layer ${s.layer} does not exist in ${file}: it has ${numLayers} block${numLayers === 1 ? '' : 's'}, so the layer is 0 (embeddings) … ${numLayers} (after the last block) or lnf`,
    );
  }
  if (!POOLINGS.includes(s.pool)) throw new Error(`pooling must be one of ${POOLINGS.join(', ')}, got ${s.pool}`);
  if (!(Number.isInteger(s.expose) && s.expose >= 0))
    throw new Error(`exposed outliers must be a whole number ≥ 0, got ${s.expose}`);
  if (!(s.heldOut > 0 && s.heldOut < 1))
    throw new Error(`the held-out fraction must be between 0 and 1, got ${s.heldOut}`);
  if (!(Number.isInteger(s.maxPrompts) && s.maxPrompts >= 0))
    throw new Error(`prompts per set must be a whole number ≥ 0 (0: all), got ${s.maxPrompts}`);
}

/** Runs the detection the command describes and returns the panel's report; an Error says what to change. */
export async function detectOod(
  gpu: Gpu,
  command: Pick<OodDetect, 'checkpoint' | 'settings' | 'fit' | 'evalIn' | 'evalOut'>,
): Promise<OodReport> {
  const { settings: s, checkpoint } = command;
  const file = checkpoint.name;
  const ckpt = loadCheckpoint(checkpoint.bytes, file);
  const L = ckpt.cfg.numLayers;
  checkSettings(s, L, file);
  // 1. the prompt sets, checked before any GPU work
  if (!command.fit.length) throw new Error('choose at least one dataset to fit the in-distribution Gaussian to');
  if (!command.evalIn.length) throw new Error('choose at least one in-distribution evaluation dataset');
  if (!command.evalOut.length) throw new Error('choose at least one out-of-distribution evaluation dataset');
  const outIds = new Set(command.evalOut.map((d) => d.id));
  for (const d of [...command.fit, ...command.evalIn]) {
    if (outIds.has(d.id))
      throw new Error(`${d.id} is chosen as out-of-distribution and as in-distribution: choose it on one side only`);
  }
  const split = splitFitAndEval(command.fit, command.evalIn, s.heldOut, s.seed);
  const names = {
    fit: 'fit datasets',
    evalIn: 'in-distribution evaluation',
    evalOut: 'out-of-distribution evaluation',
    expose: 'exposing',
  };
  const sets = oodPromptSets(
    { fit: split.fit, evalIn: split.evalIn, evalOut: command.evalOut.flatMap((d) => d.prompts) },
    { seed: s.seed, n: s.maxPrompts || undefined, expose: s.expose, names },
  );
  if (sets.fit.length < MIN_FIT_PROMPTS) {
    throw new Error(
      `only ${sets.fit.length} prompt${sets.fit.length === 1 ? '' : 's'} to fit (at least ${MIN_FIT_PROMPTS} are needed): choose more fit datasets, or hold out a smaller fraction`,
    );
  }

  // 2. activations, detectors, AUROC (the CLI's code)
  const layer = s.layer ?? L;
  const run = await runOod(gpu, ckpt, file, sets, { layer, pool: s.pool, batch: BATCH });
  const r = run.result;
  return {
    checkpoint: file,
    layer,
    pool: s.pool,
    numLayers: L,
    channels: run.channels,
    counts: {
      fit: sets.fit.length,
      evalIn: sets.evalIn.length,
      evalOut: sets.evalOut.length,
      exposed: sets.exposed.length,
      background: r.background.n,
      heldOut: split.heldOut,
      evalInDroppedInFit: sets.droppedInFit,
      truncated: run.truncated,
    },
    methods: {
      mahalanobis: methodSummary(r.mahalanobis, ROC_POINTS),
      relative: methodSummary(r.relative, ROC_POINTS),
      ...(r.exposed ? { exposed: methodSummary(r.exposed, ROC_POINTS) } : {}),
    },
    mostOutlying: run.scored.slice(0, OUTLIERS_SHOWN),
    leastOutlying: run.scored.slice(-OUTLIERS_SHOWN).reverse(),
  };
}
