// One out-of-distribution detection run (Bai et al. 2022, §5.4) from prompt lists to scores: the part of `rlhf ood`
// that the notebook's Worker shares (src/cli/ood.ts reads files and writes the report; src/worker/ood-session.ts
// takes the notebook's datasets and answers the UI). No DOM, no fs: it runs in Node and in the Worker.
//   1. oodPromptSets: every list shuffled with ONE seeded generator in the order fit, eval-in, eval-out,
//      background (the draws `rlhf ood` has always made, so a seed gives the same sets as before); eval-in prompts
//      that also occur in the fit set dropped (held out means held out); the K exposed prompts taken from the
//      front of the shuffled eval-out list and removed from it; then at most N prompts of each set.
//   2. runOod: the pooled activations of every prompt in one pass over the model (src/models/activations.ts),
//      the three detectors and their AUROC (src/eval/ood.ts), and every evaluation prompt with its scores, the
//      most outlying (largest squared Mahalanobis distance) first.
// The report types the notebook's protocol carries live here too (OodSettings, OodPromptSet, OodReport).

import type { Gpu } from '../kernels/gpu.ts';
import { rng, shuffleInPlace } from '../util/random.ts';
import { promptActivations, type ActivationLayer, type Pooling } from '../models/activations.ts';
import type { Checkpoint } from '../models/checkpoint.ts';
import { mean } from './stats.ts';
import { oodEvaluate, thinRoc, type OodMethodResult, type OodResult, type RocPoint } from './ood.ts';

export interface OodPromptLists {
  fit: readonly string[];
  evalIn: readonly string[];
  evalOut: readonly string[];
  /** The relative distance's background; absent: every prompt of the run pooled. */
  background?: readonly string[];
}

/** How errors name each list (the CLI: "--fit", …; the notebook: "the fit datasets", …). */
export interface OodSetNames {
  fit: string;
  evalIn: string;
  evalOut: string;
  expose: string;
}

export interface OodSets {
  fit: string[];
  evalIn: string[];
  exposed: string[];
  evalOut: string[];
  /** Empty when no background was given. */
  background: string[];
  /** Eval-in prompts dropped because the fit set has them too. */
  droppedInFit: number;
}

/** Step 1 of the header: shuffled, held out, exposed drawn, sampled. Errors name the lists by `names`. */
export function oodPromptSets(
  lists: OodPromptLists,
  opts: { seed: number; n?: number; expose: number; names: OodSetNames },
): OodSets {
  const { names, expose, n } = opts;
  const random = rng(opts.seed);
  const shuffled = (xs: readonly string[]) => shuffleInPlace([...xs], random);
  const fit = shuffled(lists.fit);
  const evalIn = shuffled(lists.evalIn);
  const evalOut = shuffled(lists.evalOut);
  const background = lists.background ? shuffled(lists.background) : [];
  if (!fit.length) throw new Error(`${names.fit}: no prompts to fit`);
  if (!evalIn.length) throw new Error(`${names.evalIn}: no prompts`);
  if (!evalOut.length) throw new Error(`${names.evalOut}: no prompts`);
  const seen = new Set(fit);
  const unseenIn = evalIn.filter((p) => !seen.has(p));
  if (!unseenIn.length)
    throw new Error(`every ${names.evalIn} prompt is also a ${names.fit} prompt: nothing is held out`);
  if (expose >= evalOut.length)
    throw new Error(
      `${names.expose} ${expose} leaves no ${names.evalOut} prompt to evaluate (there are ${evalOut.length})`,
    );
  const sample = (xs: string[]) => (n === undefined ? xs : xs.slice(0, n));
  return {
    fit: sample(fit),
    evalIn: sample(unseenIn),
    exposed: evalOut.slice(0, expose),
    evalOut: sample(evalOut.slice(expose)),
    background: sample(background),
    droppedInFit: evalIn.length - unseenIn.length,
  };
}

/** An evaluation prompt with its scores (higher = more out-of-distribution). */
export interface OodScoredPrompt {
  prompt: string;
  /** in: held-out in-distribution; out: out-of-distribution. */
  set: 'in' | 'out';
  mahalanobis: number;
  relative: number;
  exposed?: number;
}

export interface OodRun {
  result: OodResult;
  /** The activations' dimension C. */
  channels: number;
  /** Prompts cut from the left to the model's context. */
  truncated: number;
  /** Every evaluation prompt, largest squared Mahalanobis distance first. */
  scored: OodScoredPrompt[];
}

/**
 * Step 2 of the header. `file` names the checkpoint in errors; a background is used when `sets.background` is
 * non-empty.
 */
export async function runOod(
  gpu: Gpu,
  ckpt: Checkpoint,
  file: string,
  sets: OodSets,
  opts: { layer: ActivationLayer; pool: Pooling; batch?: number; ridge?: number },
): Promise<OodRun> {
  const order = [sets.fit, sets.evalIn, sets.evalOut, sets.exposed, sets.background];
  const acts = await promptActivations(gpu, ckpt, file, order.flat(), {
    layer: opts.layer,
    pool: opts.pool,
    batch: opts.batch,
  });
  const split: Float32Array[][] = [];
  let at = 0;
  for (const s of order) split.push(acts.vectors.slice(at, (at += s.length)));
  const [fitV, inV, outV, exposedV, bgV] = split;
  const result = oodEvaluate({
    fit: fitV,
    evalIn: inV,
    evalOut: outV,
    background: sets.background.length ? bgV : undefined,
    exposed: sets.exposed.length ? exposedV : undefined,
    ridge: opts.ridge,
  });
  const score = (m: OodMethodResult, set: 'in' | 'out', i: number) => (set === 'in' ? m.inScores : m.outScores)[i];
  const entry = (prompt: string, set: 'in' | 'out', i: number): OodScoredPrompt => ({
    prompt,
    set,
    mahalanobis: score(result.mahalanobis, set, i),
    relative: score(result.relative, set, i),
    ...(result.exposed ? { exposed: score(result.exposed, set, i) } : {}),
  });
  const scored = [
    ...sets.evalIn.map((p, i) => entry(p, 'in', i)),
    ...sets.evalOut.map((p, i) => entry(p, 'out', i)),
  ].sort((x, y) => y.mahalanobis - x.mahalanobis);
  return { result, channels: ckpt.cfg.channels, truncated: acts.truncated, scored };
}

// --- what the notebook sends and gets back (src/protocol.ts `ood-detect` / `ood-result`) ---

/** One stored dataset's distinct prompts (the contexts of its comparisons), under its id. */
export interface OodPromptSet {
  id: string;
  prompts: string[];
}

/** The notebook's OOD knobs (the CLI's options of the same names). */
export interface OodSettings {
  /** 0 = embeddings, 1..L = after block l, 'lnf'; null: after the last block (`rlhf ood`'s default). */
  layer: ActivationLayer | null;
  pool: Pooling;
  /** K exposed outliers drawn from the out-of-distribution prompts (0: none). */
  expose: number;
  /**
   * Fraction of a dataset's prompts held out for evaluation when it is both a fit and an in-distribution evaluation
   * dataset.
   */
  heldOut: number;
  /** At most this many prompts per set (a seeded sample); 0: all. */
  maxPrompts: number;
  seed: number;
}

/** One detector's result: AUROC, mean scores, the ROC curve (thinned to at most 201 corners). */
export interface OodMethodSummary {
  auroc: number;
  meanIn: number;
  meanOut: number;
  roc: RocPoint[];
}

export interface OodReport {
  checkpoint: string;
  layer: ActivationLayer;
  pool: Pooling;
  numLayers: number;
  channels: number;
  counts: {
    fit: number;
    evalIn: number;
    evalOut: number;
    exposed: number;
    /** Prompts the relative distance's background was fitted to (every prompt of the run, pooled). */
    background: number;
    /** Prompts of datasets both fitted and evaluated that were held out of the fit. */
    heldOut: number;
    /** In-distribution evaluation prompts dropped because the fit set has them too. */
    evalInDroppedInFit: number;
    truncated: number;
  };
  methods: { mahalanobis: OodMethodSummary; relative: OodMethodSummary; exposed?: OodMethodSummary };
  /** The evaluation prompts farthest from the fit (largest d² first) and nearest to it (smallest first). */
  mostOutlying: OodScoredPrompt[];
  leastOutlying: OodScoredPrompt[];
}

/** A detector's summary with its ROC curve thinned to at most `points` corners. */
export function methodSummary(m: OodMethodResult, points: number): OodMethodSummary {
  return { auroc: m.auroc, meanIn: mean(m.inScores), meanOut: mean(m.outScores), roc: thinRoc(m.roc, points) };
}
